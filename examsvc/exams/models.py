from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..classes.models import Enrollment, TrainingClass
from ..core.db import Base, UTCDateTime, utcnow
from .lifecycle import Times


class Sitting(Base):
    """An exam sitting (考场/场次) of one class: its first sitting or its one retake."""

    __tablename__ = "exam_sitting"
    __table_args__ = (
        UniqueConstraint("class_id", "kind"),  # one first sitting and one retake per class
        CheckConstraint("kind IN ('first', 'retake')", name="kind"),
        CheckConstraint("status IN ('scheduled', 'cancelled', 'locked', 'published')", name="status"),
        CheckConstraint("release_at <= starts_at", name="release_before_start"),
        CheckConstraint("duration_minutes BETWEEN 10 AND 300", name="duration"),
        CheckConstraint("marking IN ('sheet', 'score')", name="marking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    venue: Mapped[str] = mapped_column(String(120))
    county_code: Mapped[str] = mapped_column(String(6))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # When the sitting's paper opens for printing; set with starts_at (exams/service.py), and copied
    # onto the paper, whose seal follows its sitting and nothing else.
    release_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    # sheet: proctors type the answer sheet and the server grades it; score: marked by hand, total typed
    marking: Mapped[str] = mapped_column(String(10), default="sheet", server_default="sheet")
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The answer-pattern check's finding once published (oversight/copying.py): pairs of seats with
    # many identical wrong answers. None: not checked since the results last changed.
    suspicious_pairs: Mapped[int | None]

    training_class: Mapped[TrainingClass] = relationship(lazy="joined")

    @property
    def times(self) -> Times:
        return Times(self.release_at, self.starts_at, self.duration_minutes)


class SittingProctor(Base):
    __tablename__ = "sitting_proctor"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")


class ProctorAffiliation(Base):
    """An organisation a proctor works or worked for: they never proctor its classes or staff."""

    __tablename__ = "proctor_affiliation"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))


class Attempt(Base):
    """One enrollment at one sitting. At most two per enrollment (first, retake): the law's one retake,
    enforced by the database whatever the code does."""

    __tablename__ = "exam_attempt"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "kind"),
        UniqueConstraint("sitting_id", "seat_no"),
        CheckConstraint("kind IN ('first', 'retake')", name="kind"),
        CheckConstraint("presence IN ('present', 'absent', 'refused')", name="presence"),
        CheckConstraint(
            "presence = 'present' OR (score_tenths IS NULL AND answers IS NULL)", name="absent_no_score"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    presence: Mapped[str] = mapped_column(String(10))  # identity refused counts as not sitting
    seat_no: Mapped[int | None]
    answers: Mapped[str | None] = mapped_column(String(1000))  # as typed from the answer sheet
    score_tenths: Mapped[int | None]
    passed: Mapped[bool | None]
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock: a stale edit is refused (409)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class IdempotencyRecord(Base):
    """The stored answer to a tablet's submission, so a replay gets it again instead of a second write."""

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(String(2000))  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CorrectionRequest(Base):
    """A change to a locked or published result: one officer asks, another decides. The database
    itself refuses a decision by the officer who asked."""

    __tablename__ = "correction_request"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("presence IN ('present', 'absent', 'refused')", name="presence"),
        CheckConstraint("decided_by IS NULL OR decided_by <> requested_by", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id"), index=True)
    attempt_version: Mapped[int]  # the result as the asking officer saw it: changed since, refused
    presence: Mapped[str] = mapped_column(String(10))
    seat_no: Mapped[int | None]
    typed: Mapped[str] = mapped_column(String(1000))  # the sheet or total, as for a proctor's entry
    reason: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))

    attempt: Mapped[Attempt] = relationship(lazy="joined")
    requester: Mapped[User] = relationship(foreign_keys=[requested_by], lazy="joined")


class SittingMove(Base):
    """A candidate moved to another sitting of the same kind (e.g. deferred for illness), by an
    officer with a reason. The latest move of an enrollment and kind says where it sits; without
    one, it sits its own class's sitting (exams/roster.py)."""

    __tablename__ = "sitting_move"
    __table_args__ = (
        CheckConstraint("kind IN ('first', 'retake')", name="kind"),
        CheckConstraint("from_sitting_id IS NULL OR from_sitting_id <> to_sitting_id", name="elsewhere"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    from_sitting_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sitting.id"))
    to_sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    moved_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdmissionTicket(Base):
    """A candidate's admission ticket (准考证) for one sitting: its number is what the candidate holds
    (the second factor of the trainee's look-up, the check-in QR), its seat is where they sit."""

    __tablename__ = "admission_ticket"
    __table_args__ = (
        UniqueConstraint("sitting_id", "enrollment_id"),
        UniqueConstraint("sitting_id", "seat_no"),
        CheckConstraint("seat_no >= 1", name="seat_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # ZK + 10 random base-32 characters
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    seat_no: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(lazy="joined")
    sitting: Mapped[Sitting] = relationship(lazy="joined")
