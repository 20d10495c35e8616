"""Rows that only matter for a while: ended login sessions, old sign-in attempts (throttling looks
back one window), ended rate-limit windows, idempotency records of sittings long published, and
the files of background jobs past their keeping time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..auth.models import LoginAttempt, LoginSession, LoginThrottle
from ..core.config import Config
from ..core.db import utcnow
from ..jobs.queue import prune_outputs
from ..web.ratelimit import RateCounter


@dataclass(frozen=True)
class Pruned:
    sessions: int
    attempts: int
    counters: int
    job_files: int


def prune(session: Session, config: Config) -> Pruned:
    """Deletes what no rule reads any more; flushes, the caller commits."""
    now = utcnow()
    sessions = session.execute(delete(LoginSession).where(LoginSession.expires_at < now)).rowcount
    keep_attempts = (
        now - timedelta(minutes=config.login_window_minutes) - timedelta(days=30)
    )  # a month to audit
    attempts = session.execute(delete(LoginAttempt).where(LoginAttempt.at < keep_attempts)).rowcount
    counters = session.execute(delete(RateCounter).where(RateCounter.window_ends < now)).rowcount
    forgotten = now - timedelta(minutes=config.login_window_minutes)  # failures older no longer count
    session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.next_try_at < now)
        .where(LoginThrottle.last_failure_at.is_(None) | (LoginThrottle.last_failure_at < forgotten))
    )
    job_files = prune_outputs(session, now)  # a job's file is kept EXAMSVC_JOBS_KEEP_HOURS
    return Pruned(sessions, attempts, counters, job_files)
