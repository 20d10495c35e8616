"""Hostile review of background jobs: each role and an attacker against the job routes, the runner's
leases and the rules re-asked at download. A test that fails documents a weakness (see its doc)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.core.db import BEIJING, db_session, utcnow
from examsvc.exams.models import SittingProctor
from examsvc.jobs import queue, rq_backend
from examsvc.jobs.models import Job, JobOutput
from examsvc.jobs.runner import run_next
from examsvc.orgs.models import Organisation
from examsvc.papers.models import Paper

from .conftest import PASSWORD, new_user_client
from .helpers import Client


@pytest.fixture(autouse=True)
def fast_render(monkeypatch):  # type: ignore[no-untyped-def]
    """The rules are under test, not wkhtmltopdf: a paper 'renders' at once (progress still beats)."""
    fake = lambda payload, seed, seats, facts, processes, progress: progress(seats, seats) or b"%PDF-"  # noqa: E731
    monkeypatch.setattr("examsvc.papers.jobs.render_class_paper", fake)


def _paper(app, sitting) -> Paper:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(Paper).where(Paper.class_id == sitting.class_id))


def _ask(client: Client, paper: Paper):  # type: ignore[no-untyped-def]
    return client.post(f"/officer/papers/{paper.id}/pdf", page=f"/officer/classes/{paper.class_id}")


def _ask_proctor(client: Client, sitting):  # type: ignore[no-untyped-def]
    return client.post(f"/proctor/sittings/{sitting.id}/paper", page=f"/proctor/sittings/{sitting.id}")


def _jid(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 302 and "/jobs/" in response.location, response.location
    return int(response.location.rsplit("/", 1)[1])


def _drain(app) -> None:  # type: ignore[no-untyped-def]
    while run_next(app) is not None:
        pass


def _db(app, change) -> object:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        out = change(s)
        s.commit()
        return out


def _count(app, model, *where) -> int:  # type: ignore[no-untyped-def]
    return _db(app, lambda s: s.scalar(select(func.count()).select_from(model).where(*where)))


def _opened(app) -> int:  # type: ignore[no-untyped-def]
    return _count(app, AuditEvent, AuditEvent.action == "paper.download")


def _starts(paper_id: int, class_id: int) -> list[str]:
    files = [f"/officer/files/{of}/{class_id}/pdf" for of in ("class", "trainee", "employer")]
    return [f"/officer/papers/{paper_id}/pdf", f"/officer/classes/{class_id}/certificates/zip", *files]


def test_only_officers_start_officer_jobs_and_nothing_is_queued(app, world, sitting, tablet, school):
    """Guard: roles("officer") on every start route; anonymous 401, others 403, no job row."""
    paper = _paper(app, sitting)
    anonymous = Client(app)
    for path in _starts(paper.id, sitting.class_id):
        assert anonymous.post(path, page="/login").status_code == 401
        assert school.post(path, page="/").status_code == 403
        assert tablet.post(path, page="/").status_code == 403
    assert _count(app, Job) == 0


def test_posts_without_csrf_token_or_by_get_make_no_job(app, sitting, officer, tablet):
    """Guard: CSRF on every start route (400), and they are POST only (405)."""
    paper = _paper(app, sitting)
    for path in _starts(paper.id, sitting.class_id):
        assert officer.raw.post(path).status_code == 400
        assert officer.raw.post(path, data={"csrf_token": "forged"}).status_code == 400
        assert officer.get(path).status_code == 405
    assert tablet.raw.post(f"/proctor/sittings/{sitting.id}/paper").status_code == 400
    assert _count(app, Job) == 0


def test_another_users_job_is_404_to_every_role_and_ids_cannot_be_guessed(
    app, world, sitting, officer, second_officer, tablet, school
):
    """Guard: views._own_job (another's job does not exist), for every route and every role."""
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    _drain(app)
    admin = Client(app)
    world.login(admin, "admin1")
    for client in (second_officer, tablet, school, admin):
        for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/file"):
            assert client.get(path).status_code == 404
        assert f"/jobs/{job_id}" not in client.get("/jobs").get_data(as_text=True)
    for guess in (0, job_id + 1, 2**31 - 1):
        assert officer.get(f"/jobs/{guess}.json").status_code == 404
    anonymous = Client(app).get(f"/jobs/{job_id}.json")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert _count(app, AuditEvent, AuditEvent.action == "job.download") == 0


def test_an_id_too_big_for_the_database_is_a_404_not_a_server_error(app, officer):
    """WEAKNESS: <int:job_id> takes any digits; an id beyond 64 bits reaches the driver and fails
    (SQLite: OverflowError; PostgreSQL: DataError), a 500 with a traceback in the log. The same holds
    for every <int:...> route. Fix: a converter with max=2**63-1 (or 2**31-1), app-wide."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    huge = 10**20
    for path in (f"/jobs/{huge}", f"/jobs/{huge}.json", f"/jobs/{huge}/file"):
        assert officer.get(path).status_code == 404, path


def test_the_json_says_only_state_and_progress_and_a_forged_language_is_dropped(app, sitting, officer):
    """Guards: views._status (no params, owner, key, lease or file name in the JSON); web/i18n
    keeps only known languages in the session (the job key holds the params, String(200))."""
    with officer.raw.session_transaction() as sess:
        sess["lang"] = "x" * 500
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    assert "xxx" not in _db(app, lambda s: s.get(Job, job_id).key)
    _drain(app)
    status = officer.get(f"/jobs/{job_id}.json")
    assert set(status.get_json()) == {"state", "done", "total", "seconds_left", "error", "file"}
    assert status.headers["Cache-Control"] == "no-store"
    assert "paper-" not in status.get_data(as_text=True) and "lease" not in status.get_data(as_text=True)


def test_a_paper_sealed_again_by_cancel_or_reschedule_is_not_given_from_an_old_file(
    app, sitting, officer, tablet
):
    """Guard: the kind's check at every download (papers/jobs.py, exams/jobs.py)."""
    paper, clock = _paper(app, sitting), app.extensions["examsvc.clock"]
    mine, theirs = _jid(_ask(officer, paper)), _jid(_ask_proctor(tablet, sitting))
    _drain(app)

    def both() -> int | None:  # the officer's and the proctor's file: the same answer, or None
        codes = {
            officer.get(f"/jobs/{mine}/file").status_code,
            tablet.get(f"/jobs/{theirs}/file").status_code,
        }
        return codes.pop() if len(codes) == 1 else None

    assert both() == 200
    page, sid = f"/officer/classes/{sitting.class_id}", sitting.id
    officer.post(f"/officer/sittings/{sid}/cancel", {f"cancel{sid}-reason": "台风"}, page=page)
    assert _db(app, lambda s: s.get(Paper, paper.id).release_at) is None
    assert both() == 403
    later = (clock.now() + timedelta(days=2)).astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")
    form = {f"move{sid}-starts_at": later, f"move{sid}-reason": "改期"}
    officer.post(f"/officer/sittings/{sid}/reschedule", form, page=page)
    assert _db(app, lambda s: s.get(Paper, paper.id).release_at) is not None
    assert both() == 403
    assert "/jobs/" not in _ask(officer, paper).location  # sealed: asking again is refused
    assert _count(app, AuditEvent, AuditEvent.action == "job.download") == 2  # the two allowed


def test_a_proctor_unassigned_before_the_run_or_after_it_gets_nothing(app, world, sitting, tablet):
    """Guard: exams/jobs.py asks the assignment at submission, at run and at download."""
    early = _jid(_ask_proctor(tablet, sitting))
    gone = delete(SittingProctor).where(SittingProctor.sitting_id == sitting.id)
    proctor1 = select(User.id).where(User.username == "proctor1").scalar_subquery()
    _db(app, lambda s: s.execute(gone.where(SittingProctor.user_id == proctor1)))
    _drain(app)
    assert _db(app, lambda s: s.get(Job, early).state) == "failed" and _opened(app) == 0
    assert tablet.get(f"/jobs/{early}/file").status_code == 404
    assert _ask_proctor(tablet, sitting).status_code == 404  # no longer theirs: no new job
    stranger = new_user_client(app, world, "proctor", "proctor9", world.county)
    assert _ask_proctor(stranger, sitting).status_code == 404
    second = Client(app)
    second.login("proctor2", PASSWORD)
    done = _jid(_ask_proctor(second, sitting))
    _drain(app)
    _db(app, lambda s: s.execute(delete(SittingProctor).where(SittingProctor.sitting_id == sitting.id)))
    assert second.get(f"/jobs/{done}/file").status_code == 403


def test_a_deactivated_officers_queued_paper_job_does_not_open_the_paper(app, sitting, officer):
    """WEAKNESS: PAPER_PDF's run (papers/jobs.run_paper_job) re-checks only the seal, not its own
    check: an officer deactivated between asking and the run still has the paper decrypted and
    rendered, its bank usage counted and a 'paper.download' opening audited in their name (the Kind
    contract says the check is asked "when it runs"). Fix: call _officer_may_print in the run."""
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    _db(app, lambda s: setattr(s.scalar(select(User).where(User.username == "officer1")), "active", False))
    _drain(app)
    assert _db(app, lambda s: s.get(Job, job_id).state) == "failed"
    assert _opened(app) == 0 and _count(app, JobOutput) == 0


def test_a_proctor_of_a_deactivated_county_gets_no_run(app, world, sitting, tablet):
    """WEAKNESS: the kinds ask `owner.active`, not `owner.is_active` (which also needs the org
    active, as sign-in does): a proctor whose county is switched off keeps a queued paper job that
    decrypts, renders and audits the paper. Fix: test `is_active` in every kind's check."""
    job_id = _jid(_ask_proctor(tablet, sitting))
    _db(app, lambda s: setattr(s.get(Organisation, world.county), "active", False))
    _drain(app)
    assert _db(app, lambda s: s.get(Job, job_id).state) == "failed" and _opened(app) == 0


def test_a_file_past_its_keeping_time_is_not_given_and_is_pruned(app, sitting, officer):
    """Guard: views.job_file (expires_at) and queue.prune_outputs."""
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    _drain(app)
    _db(app, lambda s: setattr(s.get(JobOutput, job_id), "expires_at", utcnow() - timedelta(seconds=1)))
    assert officer.get(f"/jobs/{job_id}/file").status_code == 404
    assert _db(app, lambda s: queue.prune_outputs(s, utcnow())) == 1 and _count(app, JobOutput) == 0
    assert officer.get(f"/jobs/{job_id}.json").get_json()["state"] == "done"  # the record stays


def test_a_zombie_finishing_after_its_lease_was_taken_writes_nothing(app, sitting, officer):
    """Guard: lease in queue.finish; the job's audit is in the finishing transaction (one entry)."""
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    lease = app.config["EXAMSVC"].jobs_lease_seconds
    hijacked: list[int | None] = []

    def stall_then_lose(done: int, total: int) -> None:
        if hijacked:
            return
        late = utcnow() - timedelta(seconds=lease + 1)
        _db(app, lambda s: setattr(s.get(Job, job_id), "heartbeat_at", late))
        hijacked.append(run_next(app))  # another worker finds it stale, takes and finishes it

    assert run_next(app, on_progress=stall_then_lose) == job_id and hijacked == [job_id]
    job = _db(app, lambda s: s.get(Job, job_id))
    assert job.state == "done" and job.attempts == 2 and job.lease is None
    assert _opened(app) == 1 and _count(app, JobOutput) == 1


def test_asking_again_while_running_or_downloading_never_gives_a_stale_file(app, sitting, officer):
    """Guard: queue.ask (a running job is found, not reset; a done one runs again, its file gone)."""
    paper = _paper(app, sitting)
    job_id = _jid(_ask(officer, paper))
    claimed = _db(app, lambda s: queue.claim(s, utcnow()))
    assert _jid(_ask(officer, paper)) == job_id
    assert _db(app, lambda s: (s.get(Job, job_id).state, s.get(Job, job_id).lease)) == ("running", claimed[1])
    _db(app, lambda s: queue.finish(s, job_id, claimed[1], utcnow(), None))
    assert officer.get(f"/jobs/{job_id}/file").status_code == 404  # done without a file
    _jid(_ask(officer, paper))
    _drain(app)
    assert officer.get(f"/jobs/{job_id}/file").status_code == 200
    assert _jid(_ask(officer, paper)) == job_id  # asked again: the old file is withdrawn at once
    assert officer.get(f"/jobs/{job_id}/file").status_code == 404
    assert _count(app, AuditEvent, AuditEvent.action == "job.download") == 1


def test_an_unknown_kind_fails_cleanly_and_its_pages_still_show(app, world, officer):
    """Guard: runner._run (unknown kind: a rule refusal) and the pages (no 500, no file)."""
    owner = _db(app, lambda s: s.scalar(select(User.id).where(User.username == "officer1")))
    ghost = Job(key="ghost:1", kind="ghost", params='{"lang": "zh_CN"}', owner_id=owner, queued_at=utcnow())
    job_id = _db(app, lambda s: (s.add(ghost), s.flush(), ghost.id)[2])
    _drain(app)
    status = officer.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "failed" and status["file"] is None and status["error"]
    assert officer.get(f"/jobs/{job_id}").status_code == officer.get("/jobs").status_code == 200
    assert officer.get(f"/jobs/{job_id}/file").status_code == 404


def test_rq_perform_runs_only_a_queued_job_once(app, sitting, officer, monkeypatch):
    """Guard: rq_backend.perform claims only that job, only while queued (a doubled push is a no-op)."""
    job_id = _jid(_ask(officer, _paper(app, sitting)))
    monkeypatch.setattr(rq_backend, "_app", app)
    assert rq_backend.perform(job_id) == job_id
    assert rq_backend.perform(job_id) is None and rq_backend.perform(job_id + 999) is None
    assert _db(app, lambda s: s.get(Job, job_id).attempts) == 1 and _opened(app) == 1


def test_two_asks_at_once_get_one_job(app, world, monkeypatch):
    """WEAKNESS: two asks at once (a double click): the second's INSERT hits the unique key, the
    savepoint's rollback already expunged its pending Job, and queue.ask's `session.expunge(job)`
    raises InvalidRequestError: a 500 instead of "theirs is ours". Fix: drop that expunge."""
    owner = _db(app, lambda s: s.scalar(select(User.id).where(User.username == "officer1")))
    first = _db(app, lambda s: queue.ask(s, "paper.pdf", "race:1", owner, {}, utcnow()).id)
    with app.app_context():
        s = app.extensions["examsvc.db"].session_factory()
        real, looked = s.scalar, []

        def blind(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            if not looked:  # the other's row was not yet committed when this one looked
                looked.append(1)
                return None
            return real(statement, *args, **kwargs)

        monkeypatch.setattr(s, "scalar", blind)
        assert queue.ask(s, "paper.pdf", "race:1", owner, {}, utcnow()).id == first
        s.commit()
    assert _count(app, Job, Job.key == "race:1") == 1
