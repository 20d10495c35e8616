"""An officer moves a candidate to another sitting (exams/moves.py): the rosters, the paper's seats,
the proctors' tablets, the audit, and the result and certificate that stay with the candidate's class."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.certificates.models import Certificate
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.exams.models import Sitting, SittingMove
from examsvc.exams.roster import exam_states
from examsvc.papers.models import Paper

from .conftest import schedule_sitting
from .helpers import Client, job_file, post_sitting
from .paper_helpers import approved_class
from .tablet_helpers import base, call, close_sitting, enrollments, enter

REASON = "住院，附医院证明"


def _audit(app, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        events = db_session().scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [json.loads(e.detail or "{}") for e in events]


def _later_sitting(app, officer, class_id: int, days: int = 1):  # type: ignore[no-untyped-def]
    """The class's paper and its first sitting `days` ahead, with both proctors (through the pages)."""
    starts = app.extensions["examsvc.clock"].now() + timedelta(days=days)
    post_sitting(officer, class_id, starts, venue="第二考场")
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.class_id == class_id))
        proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
    assert officer.post(f"/officer/sittings/{sitting.id}/proctors", {"proctors": proctors}).status_code == 302
    return sitting


def _move(officer, enrollment_id: int, target_id: int, reason: str = REASON):  # type: ignore[no-untyped-def]
    path = f"/officer/enrollments/{enrollment_id}/move"
    return officer.post(path, {"target": target_id, "reason": reason})


def _listed(tablet, sitting) -> set[int]:  # type: ignore[no-untyped-def]
    html = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'id="candidate-(\d+)"', html)}


def test_a_moved_candidate_sits_the_other_sitting_and_keeps_their_class(app, world, officer, tablet, school):
    """Guards: roster.placed_enrollments (rosters follow the latest move), results._guard's
    on_roster (the old sitting's proctors can no longer enter anything), service.fit_seats (a seat
    more on the paper, audited) and closing.class_counts (the result counts with the own class)."""
    home_id = approved_class(app, world, "甲班")
    other_id = approved_class(app, world, "乙班", people=2, first_person=4)
    other = _later_sitting(app, officer, other_id)
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    sick, *rest = enrollments(app, home)

    page = officer.get(f"/officer/enrollments/{sick}/move").get_data(as_text=True)
    assert "第二考场" in page and 'id="move-candidate"' in page
    assert _move(officer, sick, other.id).status_code == 302

    assert _listed(tablet, home) == set(rest)
    assert _listed(tablet, other) == {*enrollments(app, other), sick}
    moved = _audit(app, "sitting.move_candidate")[-1]
    assert moved["from"] == home.id and moved["to"] == other.id and moved["reason"] == REASON
    assert (
        moved["from_starts"] == home.starts_at.isoformat()
        and moved["to_starts"] == other.starts_at.isoformat()
    )
    assert _audit(app, "paper.seats")[-1] == {"from": 2, "to": 3}
    # Guard: Enrollment.placed_elsewhere: their own class may still be "approved", yet their hours
    # are final (else their institution could take them off the other roster, or a pass's basis).
    page = f"/institution/classes/{home_id}"
    school.post(f"{page}/enrollments/{sick}/hours", {"hours": "0"}, page=page)
    with app.app_context():
        assert db_session().get(Enrollment, sick).hours_completed == 24

    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))  # the home sitting runs
    refused = call(tablet, f"{base(home, sick)}/check-in", {"presence": "present", "seat_no": 1})
    assert refused.status_code == 404

    app.extensions["examsvc.clock"].advance(timedelta(days=1))  # the other sitting runs
    enter(app, tablet, other, sick, 3, right=True)
    for seat, enrollment_id in enumerate(enrollments(app, other), start=1):
        enter(app, tablet, other, enrollment_id, seat, right=False)
    close_sitting(app, tablet, officer, other)
    with app.app_context():
        s = db_session()
        cert = s.scalar(select(Certificate).where(Certificate.enrollment_id == sick))
        states = exam_states(s, s.get(Sitting, home.id).training_class)
    assert cert is not None and cert.class_id == home_id  # the certificate is the home class's
    assert states[sick] == "passed"
    assert _file_results(app, officer, home_id) == {sick}  # the class file lists them at home
    assert _file_results(app, officer, other_id) == set(enrollments(app, other))
    home_row = _result_row(school, home_id)
    other_row = _result_row(school, other_id)
    assert home_row == ["1", "0", "1", "0"]  # present, absent, passed, failed: the moved one, at home
    assert other_row == ["2", "0", "0", "2"]  # the other class's own two, and nobody else


def _file_results(app, officer, class_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    """The enrollments in the results of the class file's ZIP (by their masked ID numbers)."""
    with app.test_request_context():
        url = url_for("files.class_download", class_id=class_id, fmt="zip")
    archive = zipfile.ZipFile(io.BytesIO(job_file(officer, url, "/").data))
    name = next(n for n in archive.namelist() if n.endswith("/results.csv"))
    text = archive.read(name).decode("utf-8-sig")
    masked = set(re.findall(r"\d+\*+\w{4}", text))
    with app.app_context():
        rows = db_session().scalars(select(Enrollment).where(Enrollment.trainee_id.is_not(None)))
        return {e.id for e in rows if e.trainee.id_masked in masked}


def _result_row(client, class_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/institution/classes/{class_id}").get_data(as_text=True)
    results = page.split('id="results"')[1].split("</tbody>")[0]
    return re.findall(r"<td>(\d+)</td>", results)


def test_a_move_is_refused_once_checked_in_or_into_a_sitting_that_started(app, world, officer, tablet):
    """Guards: moves.problem (an attempt never moves; MOVE_IN only before the start; the same
    industry and category only) and the reason it requires."""
    home_id = approved_class(app, world, "甲班")
    other_id = approved_class(app, world, "乙班", people=2, first_person=4)
    other = _later_sitting(app, officer, other_id)
    home = schedule_sitting(app, officer, home_id, "first")  # started 5 minutes ago
    present, absent_one, third = enrollments(app, home)
    enter(app, tablet, home, present, 1)
    assert _move(officer, present, other.id).status_code == 422  # has a result: it stays
    assert _move(officer, third, other.id, reason="").status_code == 422
    assert _move(officer, third, home.id).status_code == 422  # not a choice: already sits it
    with app.app_context():
        assert db_session().scalar(select(SittingMove.id)) is None

    into_started = _move(officer, other_enrollment := enrollments(app, other)[0], home.id)
    assert into_started.status_code == 422  # the home sitting started: nobody joins it late
    assert _move(officer, third, other.id).status_code == 302  # a sick note on the day: allowed
    assert third not in _listed(tablet, home)
    with app.app_context():
        assert db_session().scalar(select(SittingMove.to_sitting_id)) == other.id
    assert other_enrollment not in _listed(tablet, home)


def test_a_sitting_of_another_industry_or_a_conflicted_proctor_is_no_choice(app, world, officer):
    """Guards: moves.problem's same-syllabus and proctor-affiliation checks (a proctor of the
    target who works for the candidate's institution)."""
    home_id = approved_class(app, world, "甲班")
    other_id = approved_class(app, world, "乙班", people=2, first_person=4)
    other = _later_sitting(app, officer, other_id)
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    sick = enrollments(app, home)[0]
    with app.app_context():
        s = db_session()
        s.get(Sitting, other.id).training_class.category = "leader"
        s.commit()
    assert _move(officer, sick, other.id).status_code == 422
    page = officer.get(f"/officer/enrollments/{sick}/move").get_data(as_text=True)
    assert 'id="no-targets"' in page


def test_only_an_officer_moves(app, world, officer, tablet, school):
    """Guard: the moves blueprint's roles("officer")."""
    home_id = approved_class(app, world, "甲班")
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    sick = enrollments(app, home)[0]
    anonymous = Client(app)
    for client in (tablet, school, anonymous):
        assert client.get(f"/officer/enrollments/{sick}/move").status_code in {302, 401, 403, 404}
        assert _move(client, sick, home.id).status_code in {302, 400, 401, 403, 404}
    with app.app_context():
        assert db_session().scalar(select(SittingMove.id)) is None
        assert db_session().scalar(select(Paper.seats).where(Paper.class_id == home_id)) == 3
