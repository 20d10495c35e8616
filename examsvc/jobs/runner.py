"""Runs one job: claim it, run its kind, store the sealed file and the job's writes, or the reason
it failed. Every worker (a thread in the web process, `examsvc jobs worker`, an RQ worker) runs
jobs through `run_next`, so all of them obey the same leases."""

from __future__ import annotations

import json
import logging
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
    try:
        if kind is None:
            raise RuleError(N_("This kind of job is no longer known."))
        result = kind.run(context)
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


def _fail(app: Flask, job_id: int, lease: str, message: str) -> None:
    with _session(app) as s:
        queue.fail(s, job_id, lease, utcnow(), message)
        s.commit()


def _requeue(app: Flask, job_id: int, lease: str) -> None:
    with _session(app) as s:
        queue.release(s, job_id, lease)
        s.commit()
