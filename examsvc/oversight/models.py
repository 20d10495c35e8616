"""Coverage targets: how many of each category of personnel in each industry the bureau plans to
have trained and certified by the end of a year (e.g. DOMAIN.md's plan: 15 leaders, 52 managers,
64 team leaders in mining)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utcnow


class CoverageTarget(Base):
    __tablename__ = "coverage_target"
    __table_args__ = (
        UniqueConstraint("year", "industry", "category"),
        CheckConstraint("people >= 0", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    industry: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(20))
    people: Mapped[int]  # to be trained, examined, passed and certified by the end of `year`
    set_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
