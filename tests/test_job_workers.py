"""Workers as separate processes, as in production: one killed mid-job (the job is done once, by
another), and RQ on Redis carrying the jobs to `examsvc jobs worker`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from examsvc import create_app
from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.cli import main
from examsvc.core.db import db_session, make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.jobs.models import Job, JobOutput
from examsvc.jobs.runner import opened_output
from examsvc.jobs.service import submit
from examsvc.papers.models import Paper
from examsvc.questions.models import Question

from .conftest import make_test_config
from .paper_helpers import page_count, seats_printed

LEASE = 3  # seconds: a killed worker's job is taken by another this soon
RQ_DB = 11  # a Redis database of its own (13 is the shared-counter tests')


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    """The demo committed to a database of its own, and the settings a worker process reads."""
    base = os.environ.get("EXAMSVC_TEST_DATABASE_URL")
    url, drop = scratch_database(tmp_path, base if base and not base.startswith("sqlite") else None)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    env = {
        "EXAMSVC_ENV": "testing",
        "EXAMSVC_INSTANCE_DIR": str(tmp_path),
        "EXAMSVC_DATABASE_URL": url,
        "EXAMSVC_KEY_DIR": str(tmp_path / "keys"),
        "EXAMSVC_SECRET_KEY": "w" * 40,
        "EXAMSVC_JOBS_LEASE_SECONDS": str(LEASE),
        "EXAMSVC_JOBS_RENDER_PROCESSES": "1",  # one part at a time: the job is long enough to kill
        "EXAMSVC_ARGON2_TIME_COST": "1",
        "EXAMSVC_ARGON2_MEMORY_KIB": "1024",
    }
    config = make_test_config(
        tmp_path, url, tmp_path / "keys", jobs_lease_seconds=LEASE, jobs_render_processes=1
    )
    app = create_app(config)
    assert app.test_cli_runner().invoke(main, ["demo", "load"]).exit_code == 0
    yield app, env
    app.extensions["examsvc.db"].engine.dispose()
    drop()


def _worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "examsvc", "jobs", "worker", *args],
        env={**os.environ, **env},
        start_new_session=True,  # its own process group: killed with its wkhtmltopdf runs
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _print_job(app, params_extra: dict | None = None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The demo officer asks for the print of the demo's released paper with the most seats."""
    with app.app_context():
        s = db_session()
        now = app.extensions["examsvc.clock"].now()
        papers = [p for p in s.scalars(select(Paper)) if p.released(now)]
        paper = max(papers, key=lambda p: p.seats)
        owner = s.scalar(select(User.id).where(User.username == "officer"))
        job = submit(
            s, "paper.pdf", owner, {"paper": paper.id, "lang": "zh_Hans_CN", **(params_extra or {})}, now
        )
        s.commit()
        return job.id, paper.id


def _wait(app, job_id: int, until, seconds: float = 120) -> Job:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db_session().get(Job, job_id)
            if until(job):
                return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not get there in {seconds} s: {job.state} {job.done}/{job.total}")


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_it_to_another_and_it_is_done_once(world, tmp_path):
    app, env = world
    job_id, paper_id = _print_job(app)
    first = _worker(env)
    try:
        _wait(app, job_id, lambda j: j.state == "running" and 0 < j.done < j.total)  # mid-job
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # no goodbye: as a machine that loses power
        first.wait()
    killed_at = _wait(app, job_id, lambda j: True)
    assert killed_at.state == "running" and killed_at.attempts == 1
    time.sleep(LEASE + 1)  # the heartbeat is now late
    second = _worker(env, "--burst")
    assert second.wait(timeout=180) == 0, second.stderr.read().decode()[-2000:]
    with app.app_context():
        s = db_session()
        job = s.get(Job, job_id)
        assert job.state == "done" and job.attempts == 2
        outputs = s.scalars(select(JobOutput)).all()
        assert len(outputs) == 1  # one file, not one per attempt
        pdf = opened_output(app, outputs[0])
        paper = s.get(Paper, paper_id)
        assert seats_printed(pdf, tmp_path) == paper.seats and page_count(pdf, tmp_path) >= 3 * paper.seats
        opened = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "paper.download", AuditEvent.object_id == str(paper_id)
            )
        ).all()
        assert len(opened) == 1  # the killed attempt wrote nothing
        assert paper.usage_counted and s.scalar(select(func.max(Question.times_used))) >= 1


@pytest.mark.slow
def test_rq_carries_jobs_to_a_worker_on_redis(world):
    app, env = world
    connection = redis.Redis(host="127.0.0.1", port=6379, db=RQ_DB)
    connection.flushdb()
    url = f"redis://127.0.0.1:6379/{RQ_DB}"
    rq_env = {**env, "EXAMSVC_JOBS_BACKEND": "rq", "EXAMSVC_REDIS_URL": url}
    rq_app = create_app(
        make_test_config(
            Path(env["EXAMSVC_INSTANCE_DIR"]),
            env["EXAMSVC_DATABASE_URL"],
            Path(env["EXAMSVC_KEY_DIR"]),
            jobs_backend="rq",
            redis_url=url,
        )
    )
    job_id, _ = _print_job(rq_app)
    with rq_app.app_context():
        rq_app.extensions["examsvc.jobs"].submitted(db_session().get(Job, job_id))  # what a view does
    assert connection.llen("rq:queue:examsvc-jobs") == 1
    worker = _worker(rq_env, "--burst")
    assert worker.wait(timeout=180) == 0, worker.stderr.read().decode()[-2000:]
    job = _wait(app, job_id, lambda j: j.state in ("done", "failed"), 10)
    assert job.state == "done" and job.attempts == 1
    assert connection.llen("rq:queue:examsvc-jobs") == 0
    rq_app.extensions["examsvc.db"].engine.dispose()
    connection.flushdb()
