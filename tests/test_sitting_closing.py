"""After the sheets are in: four eyes, lock, publish, the one retake, corrections, printing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session
from examsvc.exams.attempts import may_sit
from examsvc.exams.models import Attempt, CorrectionRequest, Sitting
from examsvc.exams.roster import published_facts
from examsvc.jobs.models import Job
from examsvc.papers.models import Paper

from .conftest import PASSWORD
from .helpers import Client, job_file
from .tablet_helpers import add_proctor, base, call, confirm, correct, enrollments, enter, right_answers


def test_four_eyes_lock_publish_and_the_one_retake(app, world, sitting, tablet, officer):
    first, second, third = enrollments(app, sitting)
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, second, 2, right=False)
    call(tablet, f"{base(sitting, third)}/check-in", {"presence": "absent"})
    # The proctor who entered a sheet cannot confirm it; the sitting cannot lock before every confirmation.
    assert confirm(app, tablet, sitting, first).status_code == 409
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 422
    second_proctor = Client(app)
    second_proctor.login("proctor2", PASSWORD)
    for enrollment_id in (first, second, third):
        assert confirm(app, second_proctor, sitting, enrollment_id).status_code == 200
    # An edit after confirmation needs a new confirmation.
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 200
    assert (
        call(tablet, f"{base(sitting, third)}/check-in", {"presence": "absent"}).status_code == 409
    )  # locked
    # The institution sees nothing until the bureau publishes, then numbers only.
    school = Client(app)
    world.login(school, "school1")
    assert 'id="results"' not in school.get(f"/institution/classes/{sitting.class_id}").get_data(as_text=True)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/sittings/{sitting.id}/publish", {}, page=page)
    html = school.get(f"/institution/classes/{sitting.class_id}").get_data(as_text=True)
    results = html.split('id="results"')[1].split("</table>")[0]
    assert re.findall(r"<td>(\d+)</td>", results) == ["2", "1", "1", "1"]  # present, absent, passed, failed
    states = html.split('class="exam-states"')[1].split("</p>")[0]
    assert re.findall(r"：?: (\d+)</span>", states) == ["1", "2", "0", "0"]  # passed, retake pending, …
    assert "答题卡" not in html
    # The one retake: the failed and the absent may sit it, the passed may not.

    with app.app_context():
        s = db_session()
        published = published_facts(s, sitting.class_id)
        facts = {e: published.get(e, []) for e in (first, second, third)}
    assert [may_sit(facts[e], "retake") for e in (first, second, third)] == [False, True, True]


def test_an_edit_after_confirmation_needs_a_new_one(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    second_proctor = Client(app)
    second_proctor.login("proctor2", PASSWORD)
    confirm(app, second_proctor, sitting, first)
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "refused"})
    with app.app_context():
        assert db_session().scalar(select(Attempt.confirmed_by)) is None


def test_a_locked_sitting_shows_no_entry_forms(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        s.get(Sitting, sitting.id).status = "locked"
        s.commit()
    html = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert 'name="answers"' not in html and "/check-in" not in html and "缺考" in html


def _job_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalars(select(Job.id)).one()


def test_assigned_proctors_print_the_released_paper_others_cannot(app, world, sitting, tablet, monkeypatch):
    page = f"/proctor/sittings/{sitting.id}"
    response = job_file(tablet, f"{page}/paper", page)
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")

    with app.app_context():
        event = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "paper.download")).one()
        assert event.actor_label == "proctor1"

    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == sitting.class_id))
    clock = app.extensions["examsvc.clock"]
    clock.advance(paper.release_at - timedelta(seconds=1) - clock.now())  # back before the release
    refused = job_file(tablet, f"{page}/paper", page)  # sealed for proctors too: no new job
    assert refused.status_code == 302 and refused.location.endswith(page)
    # and the file made while it was open is not given while it is sealed
    assert tablet.get(f"/jobs/{_job_id(app)}/file").status_code == 403
    add_proctor(app, world, "proctor9")
    stranger = Client(app)
    stranger.login("proctor9", PASSWORD)
    assert stranger.post(f"{page}/paper", page="/proctor").status_code == 404
    assert stranger.get(f"/jobs/{_job_id(app)}/file").status_code == 404  # not theirs


def test_a_locked_result_changes_only_with_two_officers_and_reasons(
    app, sitting, tablet, officer, second_officer
):
    """Guards: corrections.request_correction (a reason), corrections._undecided (not the asking
    officer), the correction_request four_eyes constraint, corrections.approve (a reason)."""
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        attempt_id = s.scalar(select(Attempt.id))
        s.get(Sitting, sitting.id).status = "locked"
        s.commit()
    # The proctor can no longer change it.
    assert (
        call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 409
    )
    right = right_answers(app, sitting, 1)
    change = {"presence": "present", "seat_no": "1", "answers": right}
    correct(app, officer, None, sitting, attempt_id, {**change, "reason": ""})
    with app.app_context():
        assert db_session().scalar(select(func.count(CorrectionRequest.id))) == 0  # no reason, no request
    correct(app, officer, officer, sitting, attempt_id, {**change, "reason": "答题卡登记错误"})
    with app.app_context():  # the officer who asked cannot approve: still absent, still pending
        assert db_session().get(Attempt, attempt_id).presence == "absent"
        request = db_session().scalar(select(CorrectionRequest))
        assert request.status == "pending"
    approve = f"/officer/sittings/{sitting.id}/corrections/{request.id}/approve"
    page = f"/officer/sittings/{sitting.id}/results"
    second_officer.post(approve, {"reason": ""}, page=page)
    with app.app_context():  # an approval needs its reason too
        assert db_session().get(Attempt, attempt_id).presence == "absent"
    second_officer.post(approve, {"reason": "已核对原始答题卡"}, page=page)
    with app.app_context():
        s = db_session()
        decided = s.get(CorrectionRequest, request.id)
        decided.decided_by = decided.requested_by
        with pytest.raises(IntegrityError):  # the database itself: the asker never decides
            s.flush()
        s.rollback()

    with app.app_context():
        s = db_session()
        corrected = s.get(Attempt, attempt_id)
        assert corrected.presence == "present" and corrected.score_tenths == 1000
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.correct")).one()
        detail = json.loads(event.detail)
        assert detail["before"]["presence"] == "absent" and detail["after"]["score"] == 100.0
        assert "登记错误" in detail["reason"] and "核对" in detail["approval"]
    url = f"/officer/sittings/{sitting.id}/attempts/{attempt_id}/correct"
    assert (
        tablet.post(
            url, {"presence": "absent", "reason": "x"}, page=f"/proctor/sittings/{sitting.id}"
        ).status_code
        == 403
    )
