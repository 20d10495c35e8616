from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import text as sa_text
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
    """A question's identity and status; its content lives in versions. The current one, named here,
    is the approved version papers draw; a newer version waits for a second officer's approval."""

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
        CheckConstraint("review IN ('pending', 'approved', 'rejected')", name="review"),
        # Four eyes, whatever the code does: nobody approves or rejects a version they wrote.
        CheckConstraint("reviewed_by IS NULL OR reviewed_by <> created_by", name="four_eyes"),
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
    # pending: written, not yet approved (never drawn into a paper); approved: a second officer
    # approved it (it becomes the question's current version); rejected: with the reason why.
    review: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(String(300))

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


class ItemStat(Base):
    """One version's item statistics at one published sitting (itemstats/measures.py computes them;
    kept here so that paper assembly, below the sittings, can read what is known of an item)."""

    __tablename__ = "item_stat"
    __table_args__ = (UniqueConstraint("sitting_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    sitting_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the trend's time axis
    n: Mapped[int]
    facility: Mapped[float] = mapped_column(Float)
    discrimination: Mapped[float | None] = mapped_column(Float)  # corrected point-biserial
    measures: Mapped[str] = mapped_column(Text)  # JSON of itemstats.measures.ItemMeasures
    flags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {code, params}
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewItem(Base):
    """A flagged question waiting for an officer: revise it (a new version, approved by a second
    officer), retire it, or dismiss the flags with a reason. One open item per question."""

    __tablename__ = "review_item"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'revised', 'retired', 'dismissed')", name="state"),
        CheckConstraint("state = 'open' OR (decided_by IS NOT NULL AND reason IS NOT NULL)", name="decided"),
        # At most one open item a question (a partial unique index: PostgreSQL and SQLite both have them).
        Index(
            "uq_review_item_open",
            "question_id",
            unique=True,
            sqlite_where=sa_text("state = 'open'"),
            postgresql_where=sa_text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))  # the version flagged
    flags: Mapped[str] = mapped_column(Text)  # JSON list of {code, params, sitting_id}
    state: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300))
