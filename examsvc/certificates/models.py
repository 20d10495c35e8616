from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..classes.models import Enrollment
from ..core.db import Base, UTCDateTime


class Certificate(Base):
    """A pass certificate: one per enrollment (the database says so), signed once, revocable."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours"),
        CheckConstraint("revoked_at IS NULL OR revoke_reason IS NOT NULL", name="revoked_with_reason"),
        CheckConstraint("suspended_at IS NULL OR suspend_reason IS NOT NULL", name="suspended_with_reason"),
        Index(
            "ix_certificate_kid_expires_at", "kid", "expires_at"
        ),  # the JWKS: is a retired key still needed?
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
    status_index: Mapped[int] = mapped_column(unique=True)  # random in the status list (status.py)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(300))
    revoke_kind: Mapped[str | None] = mapped_column(String(20))  # REVOKE_KINDS: what verifiers are told
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # e.g. while an appeal is open
    suspend_reason: Mapped[str | None] = mapped_column(String(300))

    enrollment: Mapped[Enrollment] = relationship(lazy="joined")


# Why a certificate was revoked, as a verifier is told it (the officer's own words stay inside).
REVOKE_KINDS = ("result_corrected", "training_invalid", "other")


class StatusListToken(Base):
    """The signed status list as last served: signed again only when the statuses change or the
    token nears its expiry, never per request (status.py)."""

    __tablename__ = "status_list_token"

    list_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))  # of the statuses it lists
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
