"""Jobs on Redis with RQ (EXAMSVC_JOBS_BACKEND=rq): workers on any machine that reaches Redis and
the database. RQ carries only "run job N"; the `job` table keeps the state, progress and file, so a
lost or doubled push costs nothing (a claim is atomic: a second push finds the job taken).

Why RQ rather than Dramatiq: the bureau already runs Redis (shared counters), RQ needs nothing else,
and its queues can be read with `rq info`; what Dramatiq adds (retries, rate limits, actors' options)
the job table already decides, the same way for the embedded default and for Redis.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker

from ..core.db import utcnow
from . import queue
from .runner import run_next

QUEUE = "examsvc-jobs"
log = logging.getLogger("examsvc.jobs")
_app: Flask | None = None  # the worker process's app, made once before it starts taking jobs


def _queue(redis_url: str) -> Queue:
    return Queue(QUEUE, connection=Redis.from_url(redis_url))


def push(redis_url: str, job_id: int) -> None:
    # result_ttl=0: RQ keeps nothing of a finished run; the job table has it.
    _queue(redis_url).enqueue_call(perform, args=(job_id,), result_ttl=0, failure_ttl=86_400, timeout=3600)


def perform(job_id: int) -> int | None:
    """What an RQ worker runs: the job if it is still queued (else another worker has it)."""
    assert _app is not None, "start RQ workers with `examsvc jobs worker`"
    return run_next(_app, job_id)


def sweep(app: Flask) -> list[int]:
    """Jobs to push to RQ again: those whose worker died (queued again here), and those queued for
    longer than a lease that no worker has taken (their push was lost, e.g. Redis restarted)."""
    lease = app.config["EXAMSVC"].jobs_lease_seconds
    with app.app_context(), app.extensions["examsvc.db"].session_factory() as s:
        now = utcnow()
        ids = set(queue.requeue_stale(s, now, lease)) | set(
            queue.waiting_since(s, now - timedelta(seconds=lease))
        )
        s.commit()
    return sorted(ids)


def work(app: Flask, burst: bool = False) -> None:
    """An RQ worker in this process, and a sweeper that pushes again what a dead worker held."""
    global _app
    _app = app
    config = app.config["EXAMSVC"]
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(max(1, config.jobs_lease_seconds // 2)):
            try:
                for job_id in sweep(app):
                    push(config.redis_url, job_id)
            except Exception:
                log.exception("job sweeper: could not look for stale jobs")

    thread = threading.Thread(target=sweeper, name="examsvc-job-sweeper", daemon=True)
    thread.start()
    for job_id in sweep(app):  # what waited while no worker ran
        push(config.redis_url, job_id)
    try:
        # SimpleWorker runs jobs in this process, where the app (engine, keys) was made once; a
        # worker killed mid-job is found by its stale lease, not by RQ.
        SimpleWorker([_queue(config.redis_url)], connection=Redis.from_url(config.redis_url)).work(
            burst=burst, with_scheduler=False
        )
    finally:
        stop.set()
