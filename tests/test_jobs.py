"""Background jobs: one job per key, leases that a dead worker loses, retries with a limit, files
sealed at rest and given only to the person who asked while the rule still allows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.cli import main
from examsvc.core.db import db_session, utcnow
from examsvc.core.msgid import RuleError
from examsvc.jobs import queue
from examsvc.jobs.kinds import KINDS, Kind, Output, Result
from examsvc.jobs.models import Job, JobOutput
from examsvc.jobs.runner import run_next
from examsvc.jobs.service import submit
from examsvc.papers.models import Paper
from examsvc.papers.spec import DEFAULT_SPEC
from examsvc.questions.models import Question

from .conftest import schedule_sitting
from .helpers import Client
from .paper_helpers import approved_class, seats_printed


@pytest.fixture
def released(app, world, officer):  # type: ignore[no-untyped-def]
    """A class whose first paper is released: the officer may print it."""
    class_id = approved_class(app, world)
    schedule_sitting(app, officer, class_id, "first")
    with app.app_context():
        return db_session().scalar(select(Paper).where(Paper.class_id == class_id))


def _ask(officer: Client, paper: Paper):  # type: ignore[no-untyped-def]
    return officer.post(f"/officer/papers/{paper.id}/pdf", page=f"/officer/classes/{paper.class_id}")


def _job(app, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().get(Job, job_id)


def _job_id(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.location.rsplit("/", 1)[1])


def test_asking_twice_finds_the_same_job_and_one_file(app, officer, released, tmp_path):
    """Guard: queue.ask (one row per key; a second ask while queued is the same job)."""
    first, second = _ask(officer, released), _ask(officer, released)
    assert first.location == second.location and "/jobs/" in first.location
    job_id = _job_id(first)
    page = officer.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-progress"' in page and "等待" in page  # queued: waiting for a worker
    assert officer.get(f"/jobs/{job_id}.json").get_json()["state"] == "queued"
    assert run_next(app) == job_id and run_next(app) is None
    status = officer.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == released.seats
    pdf = officer.get(status["file"]).get_data()
    assert pdf.startswith(b"%PDF") and seats_printed(pdf, tmp_path) == released.seats
    # Asked again once done: the same row runs again and its file is replaced, never a second one.
    assert _job_id(_ask(officer, released)) == job_id
    assert run_next(app) == job_id
    with app.app_context():
        s = db_session()
        assert s.scalar(select(func.count()).select_from(Job)) == 1
        assert s.scalar(select(func.count()).select_from(JobOutput)) == 1
        opened = s.scalars(select(AuditEvent).where(AuditEvent.action == "paper.download")).all()
        assert len(opened) == 2 and {e.actor_label for e in opened} == {"officer1"}  # each run audited


def test_a_job_and_its_file_exist_only_for_the_person_who_asked(
    app, world, officer, second_officer, released
):
    """Guard: jobs.views._own_job (404 to everyone else, officers included)."""
    job_id = _job_id(_ask(officer, released))
    run_next(app)
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/file"):
        assert second_officer.get(path).status_code == 404
    assert f"/jobs/{job_id}" not in second_officer.get("/jobs").get_data(as_text=True)
    assert f"/jobs/{job_id}" in officer.get("/jobs").get_data(as_text=True)


def test_the_file_is_sealed_at_rest(app, officer, released):
    """Guard: runner.sealed_output (AES-GCM with the personal-data key, bound to the job's id)."""
    job_id = _job_id(_ask(officer, released))
    run_next(app)
    with app.app_context():
        s = db_session()
        row = s.get(JobOutput, job_id)
        assert b"%PDF" not in row.sealed and row.size > 1000
        row.sealed = row.sealed[:-1] + bytes([row.sealed[-1] ^ 1])  # one bit changed
        s.commit()
    with pytest.raises(Exception, match="altered|InvalidTag|decrypt"):
        officer.get(f"/jobs/{job_id}/file")


def test_a_dead_workers_attempt_can_neither_finish_nor_count(app, officer, released):
    """Guards: queue.requeue_stale (a late heartbeat gives the job to another attempt) and the lease
    in queue.beat / queue.finish (the old attempt's writes are refused)."""
    job_id = _job_id(_ask(officer, released))
    with app.app_context():
        s = db_session()
        claimed_id, old_lease = queue.claim(s, utcnow())
        s.get(Job, job_id).heartbeat_at = utcnow() - timedelta(
            seconds=app.config["EXAMSVC"].jobs_lease_seconds + 1
        )
        s.commit()
    assert claimed_id == job_id
    assert run_next(app) == job_id  # requeued as stale, taken and finished by a new attempt
    with app.app_context():
        s = db_session()
        with pytest.raises(queue.LeaseLost):
            queue.beat(s, job_id, old_lease, utcnow(), 1, 2)
        with pytest.raises(queue.LeaseLost):
            queue.finish(s, job_id, old_lease, utcnow(), None)
        s.rollback()
        job = s.get(Job, job_id)
        assert job.state == "done" and job.attempts == 2
        assert s.scalar(select(func.count()).select_from(JobOutput)) == 1
        assert s.scalar(select(func.sum(Question.times_used))) == DEFAULT_SPEC.total  # counted once
        downloads = s.scalars(select(AuditEvent).where(AuditEvent.action == "paper.download")).all()
        assert len(downloads) == 1  # the dead attempt left no trace


def test_a_job_whose_worker_dies_every_time_fails_with_a_reason(app, officer, released):
    """Guard: queue.requeue_stale gives up after MAX_ATTEMPTS."""
    job_id = _job_id(_ask(officer, released))
    late = timedelta(seconds=app.config["EXAMSVC"].jobs_lease_seconds + 1)
    with app.app_context():
        s = db_session()
        for _ in range(queue.MAX_ATTEMPTS):
            queue.requeue_stale(s, utcnow(), app.config["EXAMSVC"].jobs_lease_seconds)
            assert queue.claim(s, utcnow()) is not None
            s.get(Job, job_id).heartbeat_at = utcnow() - late
            s.flush()
        queue.requeue_stale(s, utcnow(), app.config["EXAMSVC"].jobs_lease_seconds)
        s.commit()
    status = officer.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "failed" and "每次" in status["error"] and status["file"] is None


@pytest.fixture
def flaky_kind():  # type: ignore[no-untyped-def]
    """A kind that refuses by rule on "refuse" and raises an unexpected error on "crash"."""
    calls = []

    def run(ctx):  # type: ignore[no-untyped-def]
        calls.append(ctx.params["what"])
        if ctx.params["what"] == "refuse":
            raise RuleError("Paper not found.")
        if ctx.params["what"] == "crash":
            raise OSError("disk full")
        return Result(Output("x.txt", "text/plain", b"ok"))

    KINDS["test.flaky"] = Kind("test.flaky", run, lambda *a: None, "A class's paper (PDF)")
    yield calls
    del KINDS["test.flaky"]


def test_a_refusal_fails_at_once_and_an_error_is_retried_then_fails(app, world, flaky_kind):
    """Guard: runner._run (a RuleError is final; anything else is retried up to MAX_ATTEMPTS)."""
    with app.app_context():
        s = db_session()
        owner = s.scalar(select(User.id).where(User.username == "officer1"))
        refused = submit(s, "test.flaky", owner, {"what": "refuse"}, utcnow())
        crashing = submit(s, "test.flaky", owner, {"what": "crash"}, utcnow())
        s.commit()
        refused_id, crashing_id = refused.id, crashing.id
    while run_next(app) is not None:
        pass
    assert flaky_kind.count("refuse") == 1 and flaky_kind.count("crash") == queue.MAX_ATTEMPTS
    assert _job(app, refused_id).state == "failed" and "Paper not found" in _job(app, refused_id).error
    assert _job(app, crashing_id).state == "failed" and "disk full" not in _job(app, crashing_id).error


def test_a_sealed_paper_makes_no_job(app, world, officer):
    """Guard: the kind's check at submission (papers/jobs.py released_paper)."""
    class_id = approved_class(app, world)
    officer.post(
        f"/officer/classes/{class_id}/papers", {"sitting": "first"}, page=f"/officer/classes/{class_id}"
    )
    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == class_id))
    answer = _ask(officer, paper)
    assert answer.status_code == 302 and "/jobs/" not in answer.location
    assert "密封" in officer.get(answer.location).get_data(as_text=True)
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Job)) == 0


def test_the_cli_lists_and_follows_jobs_as_the_page_does(app, officer, released):
    job_id = _job_id(_ask(officer, released))
    runner = app.test_cli_runner()
    listed = runner.invoke(main, ["jobs", "list"])
    assert listed.exit_code == 0 and f"{job_id}  paper.pdf" in listed.output and "queued" in listed.output
    run_next(app)
    watched = runner.invoke(main, ["jobs", "watch", str(job_id)])
    assert watched.exit_code == 0 and f"done {released.seats}/{released.seats}" in watched.output
    assert runner.invoke(main, ["jobs", "watch", "999999"]).exit_code != 0
