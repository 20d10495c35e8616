"""Submitting work and reading a job's standing; used by the domains' views and the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from . import queue
from .kinds import KINDS, Kind
from .models import Job


def job_key(kind: Kind, owner_id: int, params: dict) -> str:
    """The same work asked again by the same person finds the same job (never a second file)."""
    return f"{kind.name}:{owner_id}:" + json.dumps(params, sort_keys=True, separators=(",", ":"))


def submit(session: Session, kind_name: str, owner_id: int, params: dict, now: datetime) -> Job:
    """Raises RuleError (the kind's own check) before anything is queued; flushes, never commits."""
    kind = KINDS[kind_name]
    kind.check(session, owner_id, params, now)
    return queue.ask(session, kind.name, job_key(kind, owner_id, params), owner_id, params, now)


@dataclass(frozen=True)
class Standing:
    state: str
    done: int
    total: int
    seconds_left: int | None  # None until there is a rate to go by
    error: tuple[str, dict] | None  # msgid and parameters


def standing(job: Job, now: datetime) -> Standing:
    left = None
    if job.state == "running" and job.started_at is not None and 0 < job.done < job.total:
        elapsed = (now - job.started_at).total_seconds()
        left = max(1, round(elapsed / job.done * (job.total - job.done)))
    error = None
    if job.error:
        parsed = json.loads(job.error)
        error = (parsed["msg"], parsed.get("params", {}))
    return Standing(job.state, job.done, job.total, left, error)
