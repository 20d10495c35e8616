from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..classes.models import TrainingClass
from ..core.db import Base, UTCDateTime, utcnow


class Blueprint(Base):
    """组卷规则 for one industry × personnel category ("general" / "any" as the fallback)."""

    __tablename__ = "blueprint"
    __table_args__ = (UniqueConstraint("industry", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(20))
    spec: Mapped[str] = mapped_column(Text)  # JSON of papers.spec.Spec
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class Paper(Base):
    """The one paper of a class for one sitting (law: 按班次单独出卷). Sealed until its release time."""

    __tablename__ = "paper"
    __table_args__ = (
        UniqueConstraint("class_id", "sitting"),  # one paper per class per sitting, whatever the code does
        CheckConstraint("sitting IN ('first', 'retake')", name="sitting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    sitting: Mapped[str] = mapped_column(String(10))
    seed: Mapped[int | None] = mapped_column(BigInteger)  # None: in the sealed content (composition.py)
    spec: Mapped[str] = mapped_column(Text)  # the blueprint as used (JSON), for re-deriving the paper
    question_ids: Mapped[str] = mapped_column(Text)  # JSON list of keyed hashes, for exposure control
    relaxed: Mapped[str] = mapped_column(String(120), default="")
    mean_difficulty_tenths: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)  # sealed: questions, options, answer key
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the plaintext, shown while sealed
    seats: Mapped[int]
    # Copied from the paper's sitting by exams/service.py and nothing else; None while the class has
    # no such sitting, or it is cancelled: the paper stays sealed.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    # Its questions count in the bank's usage once it is opened after release (service.count_use).
    usage_counted: Mapped[bool] = mapped_column(default=False, server_default=true())

    training_class: Mapped[TrainingClass] = relationship(lazy="joined")

    def released(self, now: datetime) -> bool:
        return self.release_at is not None and now >= self.release_at
