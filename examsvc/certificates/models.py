from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..classes.models import Enrollment
from ..core.db import Base, UTCDateTime


class Certificate(Base):
    """A pass certificate: one per enrollment (the database says so), signed once, revocable."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("revoked_at IS NULL OR revoke_reason IS NOT NULL", name="revoked_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # AQ + year + serial: never the ID number
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id"), unique=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    hours: Mapped[int]
    credit_year: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kid: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(Text, default="")
    status_index: Mapped[int] = mapped_column(unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    enrollment: Mapped[Enrollment] = relationship(lazy="joined")
