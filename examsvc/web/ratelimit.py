"""Fixed-window rate limits for public endpoints, shared by every worker: a per-process counter
would multiply the limit by the number of workers.

With EXAMSVC_REDIS_URL the counters live in Redis (one INCRBY per look-up, no database write);
without it, in the database (enough for one machine on SQLite). If Redis cannot be reached the
database takes over, so verification keeps working and stays limited.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from sqlalchemy import String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..core.db import Base, UTCDateTime

log = logging.getLogger(__name__)


class RateCounter(Base):
    """One window of one limit for one client: the only thing a public look-up writes."""

    __tablename__ = "rate_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(120), unique=True)  # limit:client:window start
    count: Mapped[int] = mapped_column(default=0)
    window_ends: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def clock() -> float:
    """The time that places a look-up in its window (tests pin it: a window that turns over
    between two look-ups of one test would reset the count)."""
    return time.time()


def _bucket(limit_name: str, client: str, window_seconds: int) -> tuple[str, int]:
    start = int(clock()) // window_seconds * window_seconds
    return f"{limit_name}:{client}:{start}"[:120], start


def redis_key(limit_name: str, client: str, window_seconds: int) -> str:
    """The Redis counter of this client's current window (shared with callers that pipeline it)."""
    return "examsvc:rate:" + _bucket(limit_name, client, window_seconds)[0]


def hit_database(
    session: Session, limit_name: str, client: str, cost: int, limit: int, window_seconds: int
) -> bool:
    """Counts in a savepoint (a concurrent first hit is retried, not lost); the caller commits."""
    bucket, start = _bucket(limit_name, client, window_seconds)
    for _ in range(3):
        changed = session.execute(
            update(RateCounter).where(RateCounter.bucket == bucket).values(count=RateCounter.count + cost)
        ).rowcount
        if changed:
            break
        try:
            with session.begin_nested():
                ends = datetime.fromtimestamp(start + window_seconds, tz=UTC)
                session.add(RateCounter(bucket=bucket, count=cost, window_ends=ends))
            break
        except IntegrityError:
            continue  # another request made the row first: count on it
    count = session.scalar(select(RateCounter.count).where(RateCounter.bucket == bucket))
    return (count or 0) <= limit


class Limiter:
    def __init__(self, redis_url: str) -> None:
        self.redis = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def hit(
        self, session: Session, limit_name: str, client: str, cost: int, limit: int, window_seconds: int
    ) -> bool:
        """False once the client passed the limit in this window. Without Redis the count is
        committed in the database (the session must hold nothing else)."""
        if self.redis is not None:
            key = redis_key(limit_name, client, window_seconds)
            try:
                pipe = self.redis.pipeline()
                pipe.incrby(key, cost)
                pipe.expire(key, window_seconds + 5)
                count, _ = pipe.execute()
                return int(count) <= limit
            except Exception:  # noqa: BLE001 - any Redis failure: count in the database instead
                log.warning("rate limit: Redis unreachable, counting in the database")
        ok = hit_database(session, limit_name, client, cost, limit, window_seconds)
        session.commit()
        return ok
