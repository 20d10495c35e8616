from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
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
