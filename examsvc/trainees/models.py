from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import Base, UTCDateTime, utcnow
from ..orgs.models import Organisation


class Trainee(Base):
    """A real person (一人一档). The document number is stored sealed and found by its keyed hash;
    only the masked form is ever shown."""

    __tablename__ = "trainee"
    __table_args__ = (
        CheckConstraint(
            "id_type IN ('id_card', 'passport', 'hk_macao_permit', 'taiwan_permit')", name="id_type"
        ),
        # The officers' search, name LIKE '%words%': trigrams on PostgreSQL (migration 0021).
        Index(
            "ix_trainee_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    id_type: Mapped[str] = mapped_column(String(20))
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256(type:number), the lookup key
    id_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM under the personal-data key
    id_masked: Mapped[str] = mapped_column(String(24))  # 110105********123X
    name: Mapped[str] = mapped_column(String(60))
    phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))  # as of the latest enrollment
    industry: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def id_tail(self) -> str:
        """The last four characters: what a proctor compares with the document in hand."""
        return self.id_masked[-4:]


class IdentityChange(Base):
    """A difference in a person's registered name, sent by an institution's roster: the bureau
    decides, with the evidence it saw. Until then the record keeps the registered name."""

    __tablename__ = "identity_change"
    __table_args__ = (CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))  # "name"
    old_value: Mapped[str] = mapped_column(String(60))
    new_value: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(120))  # who sent it: an institution's roster of a class
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str | None] = mapped_column(String(300))  # what the officer saw, or why not

    trainee: Mapped[Trainee] = relationship(lazy="joined")
