from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sa_text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime, utcnow
from ..orgs.models import Organisation
from ..trainees.models import Trainee

CLASS_STATUSES = ("draft", "submitted", "returned", "approved", "exam_scheduled", "examined", "archived")
# Classes a trainee may not be in twice for the same category at once.
OPEN_STATUSES = ("draft", "submitted", "returned", "approved", "exam_scheduled")


class TrainingClass(Base):
    """A training class (班次) of an institution: one industry, one personnel category."""

    __tablename__ = "training_class"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'approved', 'exam_scheduled', 'examined', "
            "'archived')",
            name="status",
        ),
        CheckConstraint("category IN ('leader', 'manager', 'team_leader')", name="category"),
        CheckConstraint("hours_online >= 0 AND hours_offline >= 0 AND hours_practical >= 0", name="hours"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. 2026-0007: the reference people quote
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    industry: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(120))
    venue_county_code: Mapped[str] = mapped_column(String(6))
    # 学时 in three parts: online (线上), offline classroom (线下面授), practical training (实训).
    # Practical training is delivered in person, so it counts towards the offline share too.
    hours_online: Mapped[int]
    hours_offline: Mapped[int]
    hours_practical: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    return_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Organisation] = relationship(lazy="joined")

    @hybrid_property
    def total_hours(self) -> int:  # also a SQL expression: the coverage and payment queries use it
        return self.hours_online + self.hours_offline + self.hours_practical


class Enrollment(Base):
    """A trainee on a class's roster, with the training hours completed so far (from the institution)."""

    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("class_id", "trainee_id"),
        CheckConstraint("hours_completed >= 0", name="hours_completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    hours_completed: Mapped[int] = mapped_column(default=0)
    # What the institution sent with this enrolment: its own, never written onto the person's record
    # (trainees/identity_changes.py), so one institution cannot change what another sees.
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    # An officer placed this trainee at another class's sitting (exams/moves.py): what made them
    # eligible is final from then on, whatever their own class's status.
    placed_elsewhere: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainee: Mapped[Trainee] = relationship(lazy="joined")
    employer: Mapped[Organisation | None] = relationship(lazy="joined")
    training_class: Mapped[TrainingClass] = relationship(lazy="joined")


class CandidatePhoto(Base):
    """A face photo, sealed: the one an institution sent with the roster (sitting None) or the one the
    proctor took at a sitting's check-in. Shown to the proctor beside each other, printed on the
    admission ticket and the certificate; gone with the person's other data (ops/retention.py)."""

    __tablename__ = "candidate_photo"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "sitting_id"),
        # One roster photo an enrollment: NULLs are distinct to a unique constraint, so a partial index.
        Index(
            "uq_candidate_photo_roster",
            "enrollment_id",
            unique=True,
            sqlite_where=sa_text("sitting_id IS NULL"),
            postgresql_where=sa_text("sitting_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("exam_sitting.id"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # JPEG, AES-GCM under the personal-data key
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the JPEG: what an audit entry binds
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
