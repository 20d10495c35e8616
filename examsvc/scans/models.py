"""Answer sheets read by machine: each page kept, sealed, with what was read from it and what became
of it. At most one reading in force per seat of a sitting, whatever the code does: a second scan of
a seat is kept as a duplicate, never entered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UTCDateTime, utcnow

STATES = ("entered", "review", "duplicate", "unmatched", "discarded")
IN_FORCE = (
    "entered",
    "review",
)  # the seat's reading: entered as the candidate's sheet, or waiting for a person


class AnswerScan(Base):
    __tablename__ = "answer_scan"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES}", name="state"),
        CheckConstraint("source IN ('scanner', 'camera')", name="source"),
        Index(
            "uq_answer_scan_seat_in_force",
            "sitting_id",
            "seat_no",
            unique=True,
            sqlite_where=sa_text(f"state IN {IN_FORCE}"),
            postgresql_where=sa_text(f"state IN {IN_FORCE}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("exam_sitting.id"), index=True)
    seat_no: Mapped[int | None]  # from the sheet's QR; None when the page could not be placed
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    page_label: Mapped[str] = mapped_column(String(160))  # the file and page it came from, as uploaded
    problem: Mapped[str | None] = mapped_column(String(300))  # msgid: why it is not entered
    problem_params: Mapped[str | None] = mapped_column(Text)  # JSON
    reading: Mapped[str | None] = mapped_column(Text)  # JSON: what the reader saw (scans/service.py)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # the page as a grey JPEG, AES-GCM (personal-data key)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the JPEG: what the audit entries bind
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
