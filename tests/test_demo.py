"""The demo gives a new user something on every screen: a sitting to check in, results to read."""

from __future__ import annotations

import io

from sqlalchemy import select

from examsvc.cli import main
from examsvc.core.db import db_session, utcnow
from examsvc.exams import tickets
from examsvc.exams.models import Sitting, SittingProctor
from examsvc.exams.roster import exam_states, sitting_roster
from examsvc.papers.models import Paper
from examsvc.scans import reader
from examsvc.scans.models import AnswerScan
from examsvc.scans.pages import pages_of

from .helpers import Client
from .tablet_helpers import base, call


def test_demo_exam_day(app):
    loaded = app.test_cli_runner().invoke(main, ["demo", "load"])
    assert loaded.exit_code == 0 and "demo-answer-sheets.pdf" in loaded.output
    with app.app_context():
        s = db_session()
        by_status = {st.status: st for st in s.scalars(select(Sitting))}
        ready, done = by_status["scheduled"], by_status["published"]
        paper = s.scalar(select(Paper).where(Paper.class_id == ready.class_id))
        assert paper.released(utcnow())  # the proctors can start checking in
        assert len(s.scalars(select(SittingProctor).where(SittingProctor.sitting_id == ready.id)).all()) == 2
        states = exam_states(s, done.training_class)
        assert list(states.values()).count("retake_pending") == 5  # three failed and two absent
        retake = Sitting(class_id=done.class_id, kind="retake", venue="x", county_code="450123")
        retake.training_class, retake.starts_at, retake.duration_minutes = done.training_class, utcnow(), 90
        seated = {c.enrollment.id for c in sitting_roster(s, retake)}
        assert seated == {e for e, state in states.items() if state == "retake_pending"}
        assert done.training_class.status == "examined"
        sealed = [p for p in s.scalars(select(Paper)) if not p.released(utcnow())]
        assert len(sealed) == 1
        sample = (app.config["EXAMSVC"].instance_dir / "demo-answer-sheets.pdf").read_bytes()
        pages = list(pages_of("demo-answer-sheets.pdf", sample))
        assert len(pages) == 4
        assert {reader._qr(p.gray)[0].class_code for p in pages} == {ready.training_class.code}


def test_the_demos_scanned_sheets_are_read_once_their_candidates_are_checked_in(app):
    """What a new user tries: demo-answer-sheets.pdf uploaded on the sitting under way."""
    loaded = app.test_cli_runner().invoke(main, ["demo", "load"])
    assert loaded.exit_code == 0
    with app.app_context():
        s = db_session()
        ready = s.scalar(select(Sitting).where(Sitting.status == "scheduled"))
        seats = {e: t.seat_no for e, t in tickets.existing(s, ready).items()}
        first_four = [c.enrollment.id for c in sitting_roster(s, ready)[:4]]
    proctor = Client(app)
    proctor.login("proctor", "Jiankao#2026")
    for enrollment in first_four:
        body = {"presence": "present", "seat_no": seats[enrollment]}
        assert call(proctor, f"{base(ready, enrollment)}/check-in", body).status_code == 200
    sample = (app.config["EXAMSVC"].instance_dir / "demo-answer-sheets.pdf").read_bytes()
    page = f"/proctor/sittings/{ready.id}/scans"
    files = {"files": [(io.BytesIO(sample), "demo-answer-sheets.pdf")]}
    assert (
        proctor.post(f"{page}/upload", files, page=page, content_type="multipart/form-data").status_code
        == 302
    )
    with app.app_context():
        states = db_session().scalars(select(AnswerScan.state).where(AnswerScan.sitting_id == ready.id))
        assert sorted(states) == ["entered", "entered", "entered", "review"]  # the ticked one waits


def test_demo_certificates_one_revoked(app):
    from examsvc.certificates.models import Certificate

    assert app.test_cli_runner().invoke(main, ["demo", "load"]).exit_code == 0
    with app.app_context():
        certs = db_session().scalars(select(Certificate)).all()
    assert len(certs) == 13 and sum(c.revoked_at is not None for c in certs) == 1  # the 13 who passed
