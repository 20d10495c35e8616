from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utcnow


class BankDataKey(Base):
    """A data key of the bank, stored only wrapped by a key-encryption key from the key directory."""

    __tablename__ = "bank_data_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)  # named in every ciphertext it made
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)  # sealed by the KEK whose id the record carries
    active: Mapped[bool] = mapped_column(default=True)  # the key new content is sealed with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    """A question's identity and status; its content lives in versions, the current one named here."""

    __tablename__ = "question"
    __table_args__ = (CheckConstraint("status IN ('draft', 'active', 'retired')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(32), unique=True)  # stable across installations
    status: Mapped[str] = mapped_column(String(10))
    current_version: Mapped[int]
    times_used: Mapped[int] = mapped_column(default=0)  # papers that drew it (counted by assembly)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionVersion(Base):
    """One immutable version: selection metadata in clear, the content sealed (AES-256-GCM)."""

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        CheckConstraint("type IN ('single', 'multiple', 'truefalse')", name="type"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty"),
        CheckConstraint("for_leader OR for_manager OR for_team_leader", name="some_category"),
        Index("ix_question_version_selection", "industry", "topic", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    version: Mapped[int]
    type: Mapped[str] = mapped_column(String(10))
    industry: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(32))
    difficulty: Mapped[int]
    for_leader: Mapped[bool]
    for_manager: Mapped[bool]
    for_team_leader: Mapped[bool]
    content: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON; associated data: id and version
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    def selection_metadata(self) -> dict[str, object]:
        """The selection metadata, in the shape of QuestionRecord.selection_metadata()."""
        return {
            "type": self.type,
            "industry": self.industry,
            "topic": self.topic,
            "categories": self.categories,
            "difficulty": self.difficulty,
        }

    @property
    def categories(self) -> tuple[str, ...]:
        flags = (
            ("leader", self.for_leader),
            ("manager", self.for_manager),
            ("team_leader", self.for_team_leader),
        )
        return tuple(name for name, on in flags if on)
