"""Who runs the jobs. The embedded default needs no other service: threads in each web process
poll the `job` table (and are woken at once by a submission in their own process). With
EXAMSVC_JOBS_BACKEND=rq a submission is also pushed to Redis, where RQ workers on any machine take
it (rq_backend.py); the table stays the one record of every job, its progress and its file."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from .models import Job
from .rq_backend import push
from .runner import run_next

log = logging.getLogger("examsvc.jobs")
POLL_SECONDS = 2.0
FAILED_POLL_SECONDS = 30.0  # the database is down or not migrated: log it now and then, not in a loop


class Dispatcher:
    """One per app: hands submitted jobs to workers; starts this process's threads on first use."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config = app.config["EXAMSVC"]
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submitted(self, job: Job) -> None:
        """Call after the submission is committed."""
        if job.state != "queued":
            return
        if self.config.jobs_backend == "rq":
            push(self.config.redis_url, job.id)
        self._wake.set()

    def start(self, count: int | None = None) -> None:
        """Worker threads in this process (inline backend); idempotent."""
        if self._threads:  # the common case, without the lock: every request asks
            return
        count = self.config.jobs_inline_workers if count is None else count
        with self._lock:
            if self._threads or count <= 0 or self.config.jobs_backend != "inline":
                return
            self._stop.clear()
            for n in range(count):
                thread = threading.Thread(target=self._loop, name=f"examsvc-job-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not run_quietly(self.app):
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()


def run_quietly(app: Flask) -> bool:
    """One job if one waits; a failure of the database itself is logged, and the loop goes on."""
    try:
        return run_next(app) is not None
    except Exception:
        log.exception("job worker: could not take a job")
        time.sleep(FAILED_POLL_SECONDS)
        return False


def work_forever(app: Flask, burst: bool = False) -> None:
    """`examsvc jobs worker` on the database backend: a process of its own, on any machine.
    `burst`: stop as soon as no job waits."""
    while True:
        if not run_quietly(app):
            if burst:
                return
            time.sleep(POLL_SECONDS)


def install(app: Flask) -> None:
    dispatcher = Dispatcher(app)
    app.extensions["examsvc.jobs"] = dispatcher
    if app.config["EXAMSVC"].env == "testing":
        return  # tests run jobs themselves, or start the threads (dispatcher.start())

    @app.before_request
    def _start_workers() -> None:
        # Started by the first request rather than at import: never in a CLI process, and after
        # gunicorn has forked (threads do not survive a fork).
        dispatcher.start()
