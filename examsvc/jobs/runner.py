"""Runs one job: claim it, run its kind, store the sealed file and the job's writes, or the reason
it failed. Every worker (a thread in the web process, `examsvc jobs worker`, an RQ worker) runs
jobs through `run_next`, so all of them obey the same leases."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, g
from sqlalchemy.orm import Session

from ..core.crypto.aead import seal, unseal
from ..core.db import utcnow
from ..core.msgid import N_, RuleError
from . import queue
from .kinds import KINDS, Context, Output
from .models import Job, JobOutput

log = logging.getLogger("examsvc.jobs")
FAILED = N_("The job failed; the error is in the server's log.")


def _aad(job_id: int) -> bytes:
    return f"examsvc-job-output:{job_id}".encode()


def sealed_output(app: Flask, job_id: int, output: Output) -> JobOutput:
    config = app.config["EXAMSVC"]
    return JobOutput(
        job_id=job_id,
        filename=output.filename,
        mimetype=output.mimetype,
        size=len(output.data),
        sealed=seal(app.extensions["examsvc.keys"].personal_data, output.data, _aad(job_id)),
        expires_at=utcnow() + timedelta(hours=config.jobs_keep_hours),
    )


def opened_output(app: Flask, row: JobOutput) -> bytes:
    return unseal(app.extensions["examsvc.keys"].personal_data_keys(), row.sealed, _aad(row.job_id))


def _session(app: Flask) -> Session:
    return app.extensions["examsvc.db"].session_factory()


def run_next(
    app: Flask, job_id: int | None = None, on_progress: Callable[[int, int], None] | None = None
) -> int | None:
    """Claims and runs the oldest queued job (or `job_id`); returns its id, or None if none was free."""
    with app.app_context():
        config = app.config["EXAMSVC"]
        with _session(app) as s:
            queue.requeue_stale(s, utcnow(), config.jobs_lease_seconds)
            claimed = queue.claim(s, utcnow(), job_id)
            job = s.get(Job, claimed[0]) if claimed else None
            s.commit()
        if claimed is None or job is None:
            return None
        _run(app, job, claimed[1], on_progress)
        return job.id


def _run(app: Flask, job: Job, lease: str, on_progress: Callable[[int, int], None] | None) -> None:
    kind = KINDS.get(job.kind)
    context = Context(app, job.id, job.owner_id, json.loads(job.params), lease, on_progress)
    g.job_locale = context.params.get("lang")  # web/i18n.py: the language of the person who asked
    log.info("job %s (%s) attempt %s started", job.id, job.kind, job.attempts)
    heart = Heartbeat(app, job.id, lease)
    try:
        if kind is None:
            raise RuleError(N_("This kind of job is no longer known."))
        with context.session() as s:  # the rule again, as it stands now (an owner since deactivated)
            kind.check(s, job.owner_id, context.params, context.now())
        heart.start()
        result = kind.run(context)
        heart.stop()
        with _session(app) as s:
            if result.record is not None:
                result.record(s)
            output = sealed_output(app, job.id, result.output) if result.output else None
            queue.finish(s, job.id, lease, utcnow(), output)
            s.commit()
        log.info("job %s (%s) done", job.id, job.kind)
    except queue.LeaseLost:
        log.warning("job %s lost its lease (its heartbeat was late); another attempt has it", job.id)
    except RuleError as exc:
        _fail(app, job.id, lease, queue.error_text(str(exc), **exc.params))
    except Exception:
        log.exception("job %s (%s) failed", job.id, job.kind)
        if job.attempts < queue.MAX_ATTEMPTS:
            _requeue(app, job.id, lease)
        else:
            _fail(
                app, job.id, lease, queue.error_text(N_("The job failed; the error is in the server's log."))
            )
    finally:
        heart.stop()


class Heartbeat:
    """Renews the lease every third of its time while a job runs, whatever its steps take (one
    long render may outlast a lease); a lease found lost is said at the job's next progress report."""

    def __init__(self, app: Flask, job_id: int, lease: str) -> None:
        self.app, self.job_id, self.lease = app, job_id, lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._beat, name=f"examsvc-job-{self.job_id}-heart", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        every = max(1.0, self.app.config["EXAMSVC"].jobs_lease_seconds / 3)
        while not self._stop.wait(every):
            try:
                with self.app.app_context(), _session(self.app) as s:
                    queue.beat(s, self.job_id, self.lease, utcnow())
                    s.commit()
            except queue.LeaseLost:
                return  # the job's own next step finds it out and stops
            except Exception:
                log.exception("job %s: heartbeat failed", self.job_id)


def _fail(app: Flask, job_id: int, lease: str, message: str) -> None:
    with _session(app) as s:
        queue.fail(s, job_id, lease, utcnow(), message)
        s.commit()


def _requeue(app: Flask, job_id: int, lease: str) -> None:
    with _session(app) as s:
        queue.release(s, job_id, lease)
        s.commit()
