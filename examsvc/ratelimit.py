"""Fixed-window rate limits for public endpoints, counted in the database so that every worker
shares them (a per-process counter would multiply the limit by the number of workers)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime, utcnow


class RateCounter(Base):
    """One window of one limit for one client: the only thing a public look-up writes."""

    __tablename__ = "rate_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(120), unique=True)  # limit:client:window start
    count: Mapped[int] = mapped_column(default=0)
    window_ends: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def hit(session: Session, limit_name: str, client: str, cost: int, limit: int, window_seconds: int) -> bool:
    """Count `cost` against the client's current window; False once the limit is passed. Commits
    nothing itself, but runs in a savepoint so a concurrent first hit is retried, not lost."""
    now = utcnow()
    start = int(now.timestamp()) // window_seconds * window_seconds
    bucket = f"{limit_name}:{client}:{start}"[:120]
    for _ in range(3):
        changed = session.execute(
            update(RateCounter).where(RateCounter.bucket == bucket).values(count=RateCounter.count + cost)
        ).rowcount
        if changed:
            break
        try:
            with session.begin_nested():
                ends = datetime.fromtimestamp(start + window_seconds, tz=now.tzinfo)
                session.add(RateCounter(bucket=bucket, count=cost, window_ends=ends))
            break
        except IntegrityError:
            continue  # another request made the row first: count on it
    count = session.scalar(select(RateCounter.count).where(RateCounter.bucket == bucket))
    return (count or 0) <= limit


def prune(session: Session) -> int:
    """Drop windows that have ended (run from time to time; counts are only useful while current)."""
    return session.execute(
        delete(RateCounter).where(RateCounter.window_ends < utcnow() - timedelta(hours=1))
    ).rowcount
