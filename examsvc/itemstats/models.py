from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utcnow


class PaperStat(Base):
    """A published sitting's paper measured as a whole: reliability, SEM, histogram, pass rate.
    The items' own figures are in questions.models.ItemStat."""

    __tablename__ = "paper_stat"

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), unique=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id"), index=True)
    n: Mapped[int]
    measures: Mapped[str] = mapped_column(Text)  # JSON of itemstats.measures.PaperMeasures
    flagged_items: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
