from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..classes.models import TrainingClass
from ..db import Base, UTCDateTime, utcnow


class Sitting(Base):
    """An exam sitting (考场/场次) of one class: its first sitting or its one retake."""

    __tablename__ = "exam_sitting"
    __table_args__ = (
        UniqueConstraint("class_id", "kind"),  # one first sitting and one retake per class
        CheckConstraint("kind IN ('first', 'retake')", name="kind"),
        CheckConstraint("status IN ('scheduled', 'locked', 'published')", name="status"),
        CheckConstraint("duration_minutes BETWEEN 10 AND 300", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    venue: Mapped[str] = mapped_column(String(120))
    county_code: Mapped[str] = mapped_column(String(6))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
