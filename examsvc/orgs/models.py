from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utcnow

ORG_KINDS = ("bureau", "county", "institution", "employer")


class Organisation(Base):
    """The bureau, a county emergency department, a training institution or an employer."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('bureau', 'county', 'institution', 'employer')", name="kind"),
        UniqueConstraint("kind", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Administrative division code for the bureau and counties, unified social credit code
    # (统一社会信用代码) for institutions and employers.
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    county_code: Mapped[str | None] = mapped_column(String(12))  # where it sits, for proctor rules
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Organisation({self.kind} {self.code})"
