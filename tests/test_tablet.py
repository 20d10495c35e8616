"""The proctor's tablet: check-in, answer sheets graded on the server, replays and stale edits."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, IdempotencyRecord

from .conftest import PASSWORD
from .helpers import Client
from .tablet_helpers import add_proctor, base, call, enrollments, right_answers, stored_result


def test_check_in_and_a_right_sheet_scores_full_marks_unseen_by_the_proctor(app, sitting, tablet):
    """Guards: results.enter_result answers "saved" with no score; proctor/sitting.html shows the
    sheet as typed, never a score (blind entry: saving again and again tells nothing of the key)."""
    first = enrollments(app, sitting)[0]
    response = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 2})
    assert response.status_code == 200, response.get_json()
    version = response.get_json()["version"]
    body = {
        "answers": right_answers(app, sitting, 2),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    result = call(tablet, f"{base(sitting, first)}/result", body)
    assert result.status_code == 200 and result.get_json()["state"] == "saved"
    assert not {"score", "passed"} & result.get_json().keys()
    assert stored_result(app, sitting, first) == (100.0, True)
    page = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    # The tablet's text, not its attributes: on PostgreSQL the user id reached 1006 (data-user).
    shown = re.sub(r'\s[\w-]+="[^"]*"', "", page.split('id="tablet"')[1])
    assert "100.0" not in page and "100" not in shown


def test_seat_rules(app, sitting, tablet):
    first, second, third = enrollments(app, sitting)
    assert (
        call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 0}).status_code
        == 422
    )
    assert (
        call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 9}).status_code
        == 422
    )
    assert (
        call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 200
    )
    assert (
        call(tablet, f"{base(sitting, second)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 409
    )
    assert call(tablet, f"{base(sitting, third)}/check-in", {"presence": "absent"}).status_code == 200
    body = {"answers": "A", "version": 1, "idempotency_key": secrets.token_hex(16)}
    assert call(tablet, f"{base(sitting, third)}/result", body).status_code == 422  # absent: no sheet


def test_a_mistyped_sheet_names_the_questions(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    version = call(
        tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    tokens = right_answers(app, sitting, 1).split()
    tokens[0] = "Z"
    body = {"answers": " ".join(tokens), "version": version, "idempotency_key": secrets.token_hex(16)}
    response = call(tablet, f"{base(sitting, first)}/result", body)
    assert response.status_code == 422
    assert [p["question"] for p in response.get_json()["problems"]] == [1]


def test_replays_return_the_stored_result_and_a_reused_key_is_refused(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    version = call(
        tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    body = {
        "answers": right_answers(app, sitting, 1),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    once = call(tablet, f"{base(sitting, first)}/result", body)
    again = call(tablet, f"{base(sitting, first)}/result", body)  # the tablet never saw the first answer
    assert once.status_code == again.status_code == 200 and once.get_json() == again.get_json()
    other = {**body, "answers": " ".join(["-"] * len(body["answers"].split()))}
    assert call(tablet, f"{base(sitting, first)}/result", other).status_code == 422
    with app.app_context():
        assert (
            db_session().scalar(select(func.count()).select_from(IdempotencyRecord)) == 2
        )  # check-in, sheet
        assert db_session().scalar(select(Attempt.score_tenths)) == 1000


def test_a_stale_edit_is_refused_not_overwritten(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    version = call(
        tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    blank = " ".join(["-"] * len(right_answers(app, sitting, 1).split()))
    mine = {
        "answers": right_answers(app, sitting, 1),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    assert call(tablet, f"{base(sitting, first)}/result", mine).status_code == 200
    other_tablet = {"answers": blank, "version": version, "idempotency_key": secrets.token_hex(16)}
    assert call(tablet, f"{base(sitting, first)}/result", other_tablet).status_code == 409
    with app.app_context():
        assert db_session().scalar(select(Attempt.score_tenths)) == 1000


def test_keys_are_required(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    assert call(tablet, f"{base(sitting, first)}/result", {"answers": "A", "version": 1}).status_code == 400


def test_other_proctors_and_institutions_cannot_reach_the_sitting(app, world, sitting):
    add_proctor(app, world, "proctor9")
    first = enrollments(app, sitting)[0]
    stranger = Client(app)
    stranger.login("proctor9", PASSWORD)
    assert stranger.get(f"/proctor/sittings/{sitting.id}").status_code == 404
    assert (
        call(stranger, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 404
    )
    school = Client(app)
    world.login(school, "school1")
    assert school.get(f"/proctor/sittings/{sitting.id}").status_code == 403


def test_the_database_allows_two_attempts_at_most(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        s.add(Attempt(enrollment_id=first, sitting_id=sitting.id, kind="first", presence="absent"))
        with pytest.raises(IntegrityError):
            s.flush()  # a second first attempt
        s.rollback()
        s.add(Attempt(enrollment_id=first, sitting_id=sitting.id, kind="third", presence="absent"))
        with pytest.raises(IntegrityError):
            s.flush()  # there is no third kind of sitting
        s.rollback()


def test_html_forms_work_too(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    page = f"/proctor/sittings/{sitting.id}"
    response = tablet.post(
        f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": "3"}, page=page
    )
    assert response.status_code == 302
    html = tablet.get(page).get_data(as_text=True)
    assert 'name="answers"' in html and json.dumps("idempotency_key")[1:-1] in html


def test_a_check_in_is_stored_once_per_key_and_a_stale_one_is_refused(app, sitting, tablet):
    from examsvc.audit.models import AuditEvent

    first = enrollments(app, sitting)[0]
    path = f"{base(sitting, first)}/check-in"
    assert call(tablet, path, {"presence": "absent", "idempotency_key": ""}).status_code == 400
    body = {"presence": "present", "seat_no": 1, "version": 0, "idempotency_key": secrets.token_hex(16)}
    once = call(tablet, path, body)
    again = call(tablet, path, body)  # the tablet did not hear the answer and sends it again
    assert once.status_code == again.status_code == 200 and once.get_json() == again.get_json()
    assert call(tablet, path, {**body, "seat_no": 2}).status_code == 422  # same key, other body
    with app.app_context():
        s = db_session()
        checked = s.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.check_in")).all()
        assert len(checked) == 1 and s.scalar(select(Attempt.version)) == 1
    # Another tablet saw the candidate before this check-in: its edit is stale, not silently applied.
    stale = call(tablet, path, {"presence": "absent", "version": 0})
    assert stale.status_code == 409
    assert call(tablet, path, {"presence": "absent", "version": 1}).status_code == 200


def test_the_service_worker_is_served_as_script_for_the_sitting_pages(client):
    response = client.get("/proctor/sittings/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "caches.open" in response.get_data(as_text=True)


def test_the_answer_grid_shape_is_sealed_with_the_paper(app, sitting, tablet, monkeypatch):
    from datetime import timedelta

    from examsvc.papers.models import Paper

    page = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert "data-layout=" in page and "truefalse" in page
    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == sitting.class_id))
    clock = app.extensions["examsvc.clock"]
    clock.advance(paper.release_at - timedelta(seconds=1) - clock.now())
    assert "data-layout=" not in tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
