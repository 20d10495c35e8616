"""The proctor's tablet: check-in, answer sheets graded on the server, replays and stale edits."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.auth.service import create_user
from examsvc.classes.models import Enrollment
from examsvc.db import db_session, utcnow
from examsvc.exams.models import Attempt, IdempotencyRecord, Sitting
from examsvc.papers.models import Paper
from examsvc.papers.variants import seat_variant
from examsvc.questions.cipher import BankCipher

from .conftest import PASSWORD
from .helpers import Client
from .paper_helpers import approved_class, right_sheet


@pytest.fixture
def sitting(app, world, officer):  # type: ignore[no-untyped-def]
    """An approved class, its released paper, a sitting that started, two proctors assigned."""
    class_id = approved_class(app, world)
    starts = (utcnow() - timedelta(minutes=5)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    local = starts.strftime("%Y-%m-%dT%H:%M")
    page = f"/officer/classes/{class_id}"
    officer.post(f"{page}/papers", {"sitting": "first", "starts_at": local}, page=page)
    officer.post(
        f"{page}/sittings",
        {
            "sitting-kind": "first",
            "sitting-venue": "考场",
            "sitting-county_code": "450123",
            "sitting-starts_at": local,
            "sitting-duration_minutes": "90",
        },
        page=page,
    )
    with app.app_context():
        s = db_session()
        st = s.scalar(select(Sitting).where(Sitting.class_id == class_id))
        ids = list(s.scalars(select(User.id).where(User.role == "proctor")))
    officer.post(f"/officer/sittings/{st.id}/proctors", {"proctors": ids})
    return st


@pytest.fixture
def tablet(app):  # type: ignore[no-untyped-def]
    client = Client(app)
    client.login("proctor1", PASSWORD)
    return client


def _call(client, path, body):  # type: ignore[no-untyped-def]
    token = client.token("/proctor")
    return client.raw.post(path, json=body, headers={"X-CSRFToken": token})


def _enrollments(app, sitting):  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db_session().scalars(
                select(Enrollment.id).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
            )
        )


def _right_answers(app, sitting, seat: int) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id))
        payload = BankCipher(s, app.extensions["examsvc.keys"]).open_blob(
            paper.content, f"examsvc-paper:{sitting.class_id}:first".encode()
        )
    questions = payload["questions"]
    variant = seat_variant(
        paper.seed,
        payload["class"],
        "first",
        seat,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options") or {})) for q in questions],
    )
    return right_sheet(questions, variant)


def _base(sitting, enrollment_id):  # type: ignore[no-untyped-def]
    return f"/proctor/sittings/{sitting.id}/candidates/{enrollment_id}"


def test_check_in_and_a_right_sheet_scores_full_marks(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    response = _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 2})
    assert response.status_code == 200, response.get_json()
    version = response.get_json()["version"]
    body = {
        "answers": _right_answers(app, sitting, 2),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    result = _call(tablet, f"{_base(sitting, first)}/result", body)
    assert (
        result.status_code == 200
        and result.get_json()["score"] == 100.0
        and result.get_json()["passed"] is True
    )
    page = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert "100.0" in page


def test_seat_rules(app, sitting, tablet):
    first, second, third = _enrollments(app, sitting)
    assert (
        _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 0}).status_code
        == 422
    )
    assert (
        _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 9}).status_code
        == 422
    )
    assert (
        _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 200
    )
    assert (
        _call(tablet, f"{_base(sitting, second)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 409
    )
    assert _call(tablet, f"{_base(sitting, third)}/check-in", {"presence": "absent"}).status_code == 200
    body = {"answers": "A", "version": 1, "idempotency_key": secrets.token_hex(16)}
    assert _call(tablet, f"{_base(sitting, third)}/result", body).status_code == 422  # absent: no sheet


def test_a_mistyped_sheet_names_the_questions(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    version = _call(
        tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    tokens = _right_answers(app, sitting, 1).split()
    tokens[0] = "Z"
    body = {"answers": " ".join(tokens), "version": version, "idempotency_key": secrets.token_hex(16)}
    response = _call(tablet, f"{_base(sitting, first)}/result", body)
    assert response.status_code == 422
    assert [p["question"] for p in response.get_json()["problems"]] == [1]


def test_replays_return_the_stored_result_and_a_reused_key_is_refused(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    version = _call(
        tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    body = {
        "answers": _right_answers(app, sitting, 1),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    once = _call(tablet, f"{_base(sitting, first)}/result", body)
    again = _call(tablet, f"{_base(sitting, first)}/result", body)  # the tablet never saw the first answer
    assert once.status_code == again.status_code == 200 and once.get_json() == again.get_json()
    other = {**body, "answers": " ".join(["-"] * len(body["answers"].split()))}
    assert _call(tablet, f"{_base(sitting, first)}/result", other).status_code == 422
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
        assert db_session().scalar(select(Attempt.score_tenths)) == 1000


def test_a_stale_edit_is_refused_not_overwritten(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    version = _call(
        tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()["version"]
    blank = " ".join(["-"] * len(_right_answers(app, sitting, 1).split()))
    mine = {
        "answers": _right_answers(app, sitting, 1),
        "version": version,
        "idempotency_key": secrets.token_hex(16),
    }
    assert _call(tablet, f"{_base(sitting, first)}/result", mine).status_code == 200
    other_tablet = {"answers": blank, "version": version, "idempotency_key": secrets.token_hex(16)}
    assert _call(tablet, f"{_base(sitting, first)}/result", other_tablet).status_code == 409
    with app.app_context():
        assert db_session().scalar(select(Attempt.score_tenths)) == 1000


def test_keys_are_required(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    assert _call(tablet, f"{_base(sitting, first)}/result", {"answers": "A", "version": 1}).status_code == 400


def test_other_proctors_and_institutions_cannot_reach_the_sitting(app, world, sitting):
    with app.app_context():
        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="proctor9",
            display_name="外县",
            role="proctor",
            org_id=world.county,
            password=PASSWORD,
        )
        db_session().commit()
    first = _enrollments(app, sitting)[0]
    stranger = Client(app)
    stranger.login("proctor9", PASSWORD)
    assert stranger.get(f"/proctor/sittings/{sitting.id}").status_code == 404
    assert (
        _call(
            stranger, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
        ).status_code
        == 404
    )
    school = Client(app)
    world.login(school, "school1")
    assert school.get(f"/proctor/sittings/{sitting.id}").status_code == 403


def test_the_database_allows_two_attempts_at_most(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "absent"})
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
    first = _enrollments(app, sitting)[0]
    page = f"/proctor/sittings/{sitting.id}"
    response = tablet.post(
        f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": "3"}, page=page
    )
    assert response.status_code == 302
    html = tablet.get(page).get_data(as_text=True)
    assert 'name="answers"' in html and json.dumps("idempotency_key")[1:-1] in html


def _enter(app, client, sitting, enrollment_id, seat, right=True):  # type: ignore[no-untyped-def]
    version = _call(
        client, f"{_base(sitting, enrollment_id)}/check-in", {"presence": "present", "seat_no": seat}
    )
    sheet = _right_answers(app, sitting, seat)
    if not right:
        sheet = " ".join(["-"] * len(sheet.split()))
    body = {
        "answers": sheet,
        "version": version.get_json()["version"],
        "idempotency_key": secrets.token_hex(16),
    }
    assert _call(client, f"{_base(sitting, enrollment_id)}/result", body).status_code == 200


def test_four_eyes_lock_publish_and_the_one_retake(app, world, sitting, tablet, officer):
    first, second, third = _enrollments(app, sitting)
    _enter(app, tablet, sitting, first, 1, right=True)
    _enter(app, tablet, sitting, second, 2, right=False)
    _call(tablet, f"{_base(sitting, third)}/check-in", {"presence": "absent"})
    # The proctor who entered a sheet cannot confirm it; the sitting cannot lock before every confirmation.
    assert _call(tablet, f"{_base(sitting, first)}/confirm", {}).status_code == 409
    assert _call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 422
    second_proctor = Client(app)
    second_proctor.login("proctor2", PASSWORD)
    for enrollment_id in (first, second, third):
        assert _call(second_proctor, f"{_base(sitting, enrollment_id)}/confirm", {}).status_code == 200
    # An edit after confirmation needs a new confirmation.
    assert _call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 200
    assert (
        _call(tablet, f"{_base(sitting, third)}/check-in", {"presence": "absent"}).status_code == 409
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
    assert "答题卡" not in html
    # The one retake: the failed and the absent may sit it, the passed may not.
    from examsvc.exams.attempts import may_sit
    from examsvc.exams.results import published_facts

    with app.app_context():
        s = db_session()
        facts = {e: published_facts(s, s.get(Enrollment, e)) for e in (first, second, third)}
    assert [may_sit(facts[e], "retake") for e in (first, second, third)] == [False, True, True]


def test_an_edit_after_confirmation_needs_a_new_one(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "absent"})
    second_proctor = Client(app)
    second_proctor.login("proctor2", PASSWORD)
    _call(second_proctor, f"{_base(sitting, first)}/confirm", {})
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "refused"})
    with app.app_context():
        assert db_session().scalar(select(Attempt.confirmed_by)) is None


def test_a_locked_sitting_shows_no_entry_forms(app, sitting, tablet):
    first = _enrollments(app, sitting)[0]
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        s.get(Sitting, sitting.id).status = "locked"
        s.commit()
    html = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert 'name="answers"' not in html and "/check-in" not in html and "缺考" in html


def test_assigned_proctors_print_the_released_paper_others_cannot(app, world, sitting, tablet, monkeypatch):
    response = tablet.get(f"/proctor/sittings/{sitting.id}/paper.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    from examsvc.audit.models import AuditEvent

    with app.app_context():
        event = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "paper.download")).one()
        assert event.actor_label == "proctor1"
    from examsvc.papers import views as paper_views

    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == sitting.class_id))
    monkeypatch.setattr(paper_views, "utcnow", lambda: paper.release_at - timedelta(seconds=1))
    assert (
        tablet.get(f"/proctor/sittings/{sitting.id}/paper.pdf").status_code == 403
    )  # sealed for proctors too
    with app.app_context():
        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="proctor9",
            display_name="外县",
            role="proctor",
            org_id=world.county,
            password=PASSWORD,
        )
        db_session().commit()
    stranger = Client(app)
    stranger.login("proctor9", PASSWORD)
    assert stranger.get(f"/proctor/sittings/{sitting.id}/paper.pdf").status_code == 404


def test_only_an_officer_corrects_a_locked_sheet_with_a_reason(app, sitting, tablet, officer):
    first = _enrollments(app, sitting)[0]
    _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        attempt_id = s.scalar(select(Attempt.id))
        s.get(Sitting, sitting.id).status = "locked"
        s.commit()
    # The proctor can no longer change it.
    assert (
        _call(tablet, f"{_base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}).status_code
        == 409
    )
    url = f"/officer/sittings/{sitting.id}/attempts/{attempt_id}/correct"
    page = f"/officer/sittings/{sitting.id}/results"
    right = _right_answers(app, sitting, 1)
    officer.post(url, {"presence": "present", "seat_no": "1", "answers": right, "reason": ""}, page=page)
    with app.app_context():
        assert db_session().get(Attempt, attempt_id).presence == "absent"  # no reason, no correction
    officer.post(
        url,
        {
            "presence": "present",
            "seat_no": "1",
            "answers": right,
            "reason": "答题卡登记错误，已核对原始答题卡",
        },
        page=page,
    )
    from examsvc.audit.models import AuditEvent

    with app.app_context():
        s = db_session()
        corrected = s.get(Attempt, attempt_id)
        assert corrected.presence == "present" and corrected.score_tenths == 1000
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "attempt.correct")).one()
        detail = json.loads(event.detail)
        assert detail["before"]["presence"] == "absent" and detail["after"]["score"] == 100.0
        assert "核对" in detail["reason"]
    assert (
        tablet.post(
            url, {"presence": "absent", "reason": "x"}, page=f"/proctor/sittings/{sitting.id}"
        ).status_code
        == 403
    )
