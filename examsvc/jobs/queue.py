"""The job queue's rules, on the `job` table alone: ask, claim, report progress, finish.

A job is one row per key. A worker claims a queued job with a conditional UPDATE (one winner
however many workers ask at once) and a random lease; every later write of that attempt names the
lease, so a worker presumed dead cannot finish, or overwrite, the attempt that replaced it. A running
job whose heartbeat is older than the lease time is queued again (its worker died), up to
MAX_ATTEMPTS. Functions flush and never commit, except where a docstring says otherwise.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.msgid import N_
from .models import Job, JobOutput

MAX_ATTEMPTS = 3
LEASE_SECONDS = 60  # a worker beats at least this often while it holds a job (every progress step)


def error_text(message: str, **params: object) -> str:
    """A failure as its msgid and parameters: translated when shown, in the reader's language."""
    return json.dumps({"msg": message, "params": params}, ensure_ascii=False)


GAVE_UP = error_text(N_("The job was stopped on every attempt (its worker died)."))


class LeaseLost(RuntimeError):
    """The job was taken from this attempt (its heartbeat was late): stop and write nothing."""


@dataclass(frozen=True)
class QueueStats:
    depth: int  # jobs waiting
    running: int
    oldest_queued_seconds: float  # 0.0 when none waits


def ask(session: Session, kind: str, key: str, owner_id: int, params: dict, now: datetime) -> Job:
    """The job that does this work. While one is queued or running, asking again (a double click, a
    retried request, two tabs) finds it; once it has ended, asking again runs it again, into the
    same row, replacing its file: one job and one file per key, never a stale one. Two asking at
    once get one job."""
    job = session.scalar(select(Job).where(Job.key == key))
    if job is None:
        job = Job(key=key, kind=kind, params=json.dumps(params, sort_keys=True), owner_id=owner_id)
        job.queued_at = now
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # someone asked for the same work a moment ago: theirs is ours
            # (the savepoint's rollback has already taken our new row out of the session)
            job = session.scalar(select(Job).where(Job.key == key))
            assert job is not None
        return job
    if job.state in ("done", "failed"):
        again = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.state.in_(("done", "failed")))
            .values(state="queued", done=0, attempts=0, error=None, lease=None, queued_at=now)
            .values(started_at=None, finished_at=None)
        ).rowcount
        if again:
            session.execute(delete(JobOutput).where(JobOutput.job_id == job.id))
        session.refresh(job)
    return job


def requeue_stale(session: Session, now: datetime, lease_seconds: int = LEASE_SECONDS) -> list[int]:
    """Jobs whose worker stopped beating: queued again (their ids), or failed after MAX_ATTEMPTS."""
    stale = (Job.state == "running") & (Job.heartbeat_at < now - timedelta(seconds=lease_seconds))
    session.execute(
        update(Job)
        .where(stale, Job.attempts >= MAX_ATTEMPTS)
        .values(state="failed", lease=None, finished_at=now, error=GAVE_UP)
    )
    ids = list(session.scalars(select(Job.id).where(stale)))
    if ids:
        session.execute(
            update(Job).where(Job.id.in_(ids), Job.state == "running").values(state="queued", lease=None)
        )
    return ids


def waiting_since(session: Session, before: datetime) -> list[int]:
    """Jobs queued before `before` that no worker has taken (a push to Redis that was lost)."""
    return list(session.scalars(select(Job.id).where(Job.state == "queued", Job.queued_at < before)))


def claim(session: Session, now: datetime, job_id: int | None = None) -> tuple[int, str] | None:
    """Take the oldest queued job (or `job_id` if it is queued): its id and this attempt's lease."""
    query = select(Job.id).where(Job.state == "queued").order_by(Job.queued_at, Job.id).limit(5)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    for candidate in session.scalars(query).all():
        lease = secrets.token_hex(16)
        taken = session.execute(
            update(Job)
            .where(Job.id == candidate, Job.state == "queued")
            .values(
                state="running",
                lease=lease,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                done=0,
            )
        ).rowcount
        if taken:
            return candidate, lease
    return None


def beat(
    session: Session,
    job_id: int,
    lease: str,
    now: datetime,
    done: int | None = None,
    total: int | None = None,
) -> None:
    """The heartbeat, with progress if given. Raises LeaseLost if the job is no longer ours."""
    values: dict[str, object] = {"heartbeat_at": now}
    if done is not None and total is not None:
        values.update(done=done, total=total)
    kept = session.execute(
        update(Job).where(Job.id == job_id, Job.lease == lease, Job.state == "running").values(**values)
    ).rowcount
    if not kept:
        raise LeaseLost(job_id)


def finish(session: Session, job_id: int, lease: str, now: datetime, output: JobOutput | None) -> None:
    """Done, with its file, in the caller's transaction: only the attempt holding the lease can."""
    kept = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease == lease, Job.state == "running")
        .values(state="done", lease=None, finished_at=now, heartbeat_at=now, done=Job.total)
    ).rowcount
    if not kept:
        raise LeaseLost(job_id)
    session.execute(delete(JobOutput).where(JobOutput.job_id == job_id))
    if output is not None:
        output.job_id = job_id
        session.add(output)
    session.flush()


def fail(session: Session, job_id: int, lease: str, now: datetime, message: str) -> None:
    """A job that cannot be done (a rule refused it, or the renderer failed): not retried."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease == lease, Job.state == "running")
        .values(state="failed", lease=None, finished_at=now, error=message[:500])
    )


def release(session: Session, job_id: int, lease: str) -> None:
    """This attempt gives the job back (an unexpected error): queued again for another try."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.lease == lease, Job.state == "running")
        .values(state="queued", lease=None)
    )


def queue_stats(session: Session, now: datetime) -> QueueStats:
    counts = dict(
        session.execute(
            select(Job.state, func.count()).where(Job.state.in_(("queued", "running"))).group_by(Job.state)
        ).all()
    )
    oldest = session.scalar(select(func.min(Job.queued_at)).where(Job.state == "queued"))
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueStats(counts.get("queued", 0), counts.get("running", 0), age)


def prune_outputs(session: Session, now: datetime) -> int:
    """Files past their keeping time are deleted (the job row stays, as a record that it ran)."""
    return session.execute(delete(JobOutput).where(JobOutput.expires_at < now)).rowcount
