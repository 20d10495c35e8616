"""The exam's promises, one focused test each; every docstring names the guard whose removal fails it.
docs/integrity.md lists them; tests/test_integrity_stateful.py drives all roles at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import BEIJING, db_session
from examsvc.exams.lifecycle import Act, Phase, Times, phase, refusal
from examsvc.exams.models import Attempt, CorrectionRequest, Sitting
from examsvc.papers.models import Paper

from .conftest import PASSWORD, schedule_sitting
from .helpers import Client, job_file
from .paper_helpers import approved_class
from .tablet_helpers import base, call, confirm, correct, enrollments, enter, right_answers, stored_result

T0 = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
TIMES = Times(T0 - timedelta(minutes=60), T0, 90)


@pytest.mark.parametrize(
    ("status", "minutes", "expected"),
    [
        ("scheduled", -61, Phase.SCHEDULED),
        ("scheduled", -60, Phase.RELEASED),
        ("scheduled", -1, Phase.RELEASED),
        ("scheduled", 0, Phase.OPEN),
        ("scheduled", 89, Phase.OPEN),
        ("scheduled", 90, Phase.CLOSED),
        ("scheduled", 9999, Phase.CLOSED),
        ("locked", -61, Phase.LOCKED),  # stored states win over the time
        ("published", 0, Phase.PUBLISHED),
        ("cancelled", 30, Phase.CANCELLED),
    ],
)
def test_the_phase_follows_the_status_and_the_clock(status, minutes, expected):
    assert phase(status, TIMES, T0 + timedelta(minutes=minutes)) is expected


@pytest.mark.parametrize(
    ("act", "allowed"),
    [
        (Act.CHECK_IN, {Phase.OPEN, Phase.CLOSED}),
        (Act.ENTER, {Phase.OPEN, Phase.CLOSED}),
        (Act.CONFIRM, {Phase.OPEN, Phase.CLOSED}),
        (Act.LOCK, {Phase.OPEN, Phase.CLOSED}),
        (Act.PUBLISH, {Phase.LOCKED}),
        (Act.CORRECT, {Phase.LOCKED, Phase.PUBLISHED}),
        (Act.PRINT_PAPER, {Phase.RELEASED, Phase.OPEN, Phase.CLOSED, Phase.LOCKED, Phase.PUBLISHED}),
        (Act.RESCHEDULE, {Phase.SCHEDULED, Phase.RELEASED, Phase.CANCELLED}),
        (Act.CANCEL, {Phase.SCHEDULED, Phase.RELEASED, Phase.OPEN, Phase.CLOSED}),
    ],
)
def test_each_act_happens_only_in_its_phases(act, allowed):
    """Guard: lifecycle.ALLOWED. Nothing a proctor does happens before the start."""
    assert {p for p in Phase if refusal(act, p) is None} == allowed


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def _paper(app, class_id: int) -> Paper:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(Paper).where(Paper.class_id == class_id, Paper.sitting == "first"))


def _audit(app, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        events = db_session().scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [json.loads(e.detail or "{}") for e in events]


def test_a_paper_opens_with_its_sitting_moves_with_it_and_seals_again_when_cancelled(app, world, officer):
    """Guards: exams.service._sync_paper (release copied from the sitting, cleared on cancel) and
    the paper.release / sitting.reschedule audit entries with old and new times."""
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    assert _paper(app, class_id).release_at == sitting.release_at == sitting.starts_at - timedelta(hours=1)
    later = (app.extensions["examsvc.clock"].now() + timedelta(days=5)).replace(second=0, microsecond=0)
    move = {f"move{sitting.id}-starts_at": _local(later), f"move{sitting.id}-reason": "考场停电"}
    page = f"/officer/classes/{class_id}"
    officer.post(f"/officer/sittings/{sitting.id}/reschedule", move, page=page)
    assert _paper(app, class_id).release_at == later - timedelta(hours=1)
    moved = _audit(app, "sitting.reschedule")[-1]
    assert moved["after"]["starts"] == later.isoformat() and moved["reason"] == "考场停电"
    assert _audit(app, "paper.release")[-1]["to"] == (later - timedelta(hours=1)).isoformat()

    officer.post(f"/officer/sittings/{sitting.id}/cancel", {f"cancel{sitting.id}-reason": "疫情"}, page=page)
    assert _paper(app, class_id).release_at is None  # sealed again, whatever the clock says
    app.extensions["examsvc.clock"].advance(timedelta(days=6))
    tablet = Client(app)
    tablet.login("proctor1", PASSWORD)
    proctor_page = f"/proctor/sittings/{sitting.id}"
    refused = job_file(tablet, f"{proctor_page}/paper", proctor_page)
    assert refused.status_code == 302 and "/jobs/" not in refused.location
    refused = job_file(officer, f"/officer/papers/{_paper(app, class_id).id}/pdf", page)
    assert refused.status_code == 302 and "/jobs/" not in refused.location


def test_a_sitting_starts_in_the_future_after_the_training(app, world, officer):
    """Guard: exams.service._check_start (no back-dated sitting, no exam before the class ends)."""
    class_id = approved_class(app, world)
    page = f"/officer/classes/{class_id}"
    form = {
        "sitting-kind": "first",
        "sitting-venue": "考场",
        "sitting-county_code": "450123",
        "sitting-duration_minutes": "90",
    }
    past = app.extensions["examsvc.clock"].now() - timedelta(minutes=5)
    refused = officer.post(f"{page}/sittings", {**form, "sitting-starts_at": _local(past)}, page=page)
    assert "只能安排在将来" in officer.get(refused.location).get_data(as_text=True)
    training = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # the class trains 23 to 27 November
    app.extensions["examsvc.clock"].advance(
        training - timedelta(days=2) - app.extensions["examsvc.clock"].now()
    )
    refused = officer.post(f"{page}/sittings", {**form, "sitting-starts_at": _local(training)}, page=page)
    assert "培训结束之后" in officer.get(refused.location).get_data(as_text=True)
    with app.app_context():
        assert db_session().scalar(select(Sitting).where(Sitting.class_id == class_id)) is None


def test_nothing_of_a_sitting_happens_before_it_starts(app, world, officer, tablet):
    """Guard: lifecycle.gate in results.check_in, results.enter_result, closing.confirm,
    closing.lock and closing.publish."""
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)  # starts in 10 minutes
    first = enrollments(app, sitting)[0]
    early = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    assert early.status_code == 409 and "尚未开始" in early.get_json()["message"]
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 409
    officer.post(f"/officer/sittings/{sitting.id}/publish", {}, page=f"/officer/classes/{class_id}")
    with app.app_context():
        assert db_session().scalar(select(Attempt)) is None
        assert db_session().get(Sitting, sitting.id).status == "scheduled"
    app.extensions["examsvc.clock"].advance(timedelta(minutes=10))  # the start itself
    on_time = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    assert on_time.status_code == 200


def test_a_sheet_for_a_paper_sealed_again_is_refused_not_a_server_error(app, sitting, tablet):
    """Guards: results.mark_sheet turns PaperSealed into a 409, and tablet_views._submit answers
    every RuleError (a permanent refusal the tablet shows, and does not send again)."""
    first = enrollments(app, sitting)[0]
    version = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    with app.app_context():
        db_session().scalar(select(Paper)).release_at = None
        db_session().commit()
    body = {"answers": "A", "version": version.get_json()["version"], "idempotency_key": "k" * 20}
    answer = call(tablet, f"{base(sitting, first)}/result", body)
    assert answer.status_code == 409 and answer.get_json()["ok"] is False


def test_saving_again_and_again_tells_the_proctor_nothing(app, sitting, tablet):
    """Guard: results.enter_result answers "saved" only; every save is audited with its value."""
    first = enrollments(app, sitting)[0]
    version = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    version = version.get_json()["version"]
    right = right_answers(app, sitting, 1).split()
    single = next(i for i, a in enumerate(right) if a in {"A", "B", "C", "D"})  # a single-choice item
    answers = []
    for guess in ("A", "B"):  # a proctor trying the options of one question in turn
        sheet = " ".join([*right[:single], guess, *right[single + 1 :]])
        body = {"answers": sheet, "version": version, "idempotency_key": f"{guess}" * 20}
        answer = call(tablet, f"{base(sitting, first)}/result", body).get_json()
        answers.append({k: v for k, v in answer.items() if k not in {"version", "attempt"}})
        version = answer["version"]
    assert answers[0] == answers[1]  # same answer whether the guess was right or wrong
    saved = _audit(app, "attempt.result")
    assert [e["answers"].split()[single] for e in saved] == ["A", "B"]
    assert all("version" in e for e in saved)


def test_a_confirmation_binds_the_entry_the_second_proctor_saw(app, sitting, tablet):
    """Guard: closing.confirm's seen_version check (a changed value is refused, never confirmed)."""
    first = enrollments(app, sitting)[0]
    enter(app, tablet, sitting, first, 1, right=False)
    second = Client(app)
    second.login("proctor2", PASSWORD)
    with app.app_context():
        seen = db_session().scalar(select(Attempt.version))
    enter(app, tablet, sitting, first, 1, right=True)  # the first proctor changes it meanwhile
    stale = call(second, f"{base(sitting, first)}/confirm", {"version": seen})
    assert stale.status_code == 409 and "变动" in stale.get_json()["message"]
    assert call(second, f"{base(sitting, first)}/confirm", {}).status_code == 409  # unseen: refused too
    assert confirm(app, second, sitting, first).status_code == 200
    bound = _audit(app, "attempt.confirm")[-1]
    assert bound["answers"] == right_answers(app, sitting, 1) and bound["seen"] == bound["version"] - 1


def _locked_with_one_result(app, sitting, tablet) -> int:  # type: ignore[no-untyped-def]
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        s.get(Sitting, sitting.id).status = "locked"
        s.commit()
        return s.scalar(select(Attempt.id))


def test_a_rejected_correction_changes_nothing(app, sitting, tablet, officer, second_officer):
    """Guard: corrections.reject (decided by another officer, with a reason; the result untouched)."""
    attempt_id = _locked_with_one_result(app, sitting, tablet)
    change = {"presence": "present", "seat_no": "1", "answers": right_answers(app, sitting, 1)}
    correct(app, officer, None, sitting, attempt_id, {**change, "reason": "误登为缺考"})
    with app.app_context():
        request_id = db_session().scalar(select(CorrectionRequest.id))
    page = f"/officer/sittings/{sitting.id}/results"
    reject = f"/officer/sittings/{sitting.id}/corrections/{request_id}/reject"
    officer.post(reject, {"reason": "自己驳回"}, page=page)  # the asker cannot decide, either way
    second_officer.post(reject, {"reason": "原始签到表显示缺考"}, page=page)
    with app.app_context():
        s = db_session()
        assert s.get(CorrectionRequest, request_id).status == "rejected"
        assert s.get(Attempt, attempt_id).presence == "absent"
    assert _audit(app, "attempt.correction_rejected")[-1]["reason"] == "原始签到表显示缺考"


def test_an_approval_applies_only_to_the_result_the_asker_saw(app, sitting, tablet, officer, second_officer):
    """Guard: corrections.approve's attempt_version check (no approving a stale request)."""
    attempt_id = _locked_with_one_result(app, sitting, tablet)
    change = {"presence": "present", "seat_no": "1", "answers": right_answers(app, sitting, 1)}
    correct(app, officer, None, sitting, attempt_id, {**change, "reason": "误登为缺考"})
    with app.app_context():
        s = db_session()
        s.get(Attempt, attempt_id).presence = "refused"  # changed by other means meanwhile
        s.commit()
        request_id = s.scalar(select(CorrectionRequest.id))
    page = f"/officer/sittings/{sitting.id}/results"
    approve = f"/officer/sittings/{sitting.id}/corrections/{request_id}/approve"
    second_officer.post(approve, {"reason": "同意"}, page=page)
    assert stored_result(app, sitting, enrollments(app, sitting)[0]) == (None, None)
    with app.app_context():
        assert db_session().get(CorrectionRequest, request_id).status == "pending"
