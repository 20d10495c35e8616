from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..classes.models import TrainingClass
from ..core.db import Base, UTCDateTime, utcnow


class Sitting(Base):
    """An exam sitting (考场/场次) of one class: its first sitting or its one retake."""

    __tablename__ = "exam_sitting"
    __table_args__ = (
        UniqueConstraint("class_id", "kind"),  # one first sitting and one retake per class
        CheckConstraint("kind IN ('first', 'retake')", name="kind"),
        CheckConstraint("status IN ('scheduled', 'locked', 'published')", name="status"),
        CheckConstraint("duration_minutes BETWEEN 10 AND 300", name="duration"),
        CheckConstraint("marking IN ('sheet', 'score')", name="marking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    venue: Mapped[str] = mapped_column(String(120))
    county_code: Mapped[str] = mapped_column(String(6))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int]
    # sheet: proctors type the answer sheet and the server grades it; score: marked by hand, total typed
    marking: Mapped[str] = mapped_column(String(10), default="sheet", server_default="sheet")
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The answer-pattern check's finding once published (oversight/copying.py): pairs of seats with
    # many identical wrong answers. None: not checked since the results last changed.
    suspicious_pairs: Mapped[int | None]

    training_class: Mapped[TrainingClass] = relationship(lazy="joined")


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
