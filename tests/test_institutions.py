"""Institutions: their results and the outlier flag; suspension stops submissions and approvals until
it ends or is lifted; only officers act, with a reason, audited."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM
from examsvc.certificates.models import Certificate
from examsvc.classes import service as classes
from examsvc.classes.models import TrainingClass
from examsvc.classes.rules import ClassRules
from examsvc.core.db import db_session, today_in_beijing
from examsvc.orgs.models import Organisation
from examsvc.orgs.suspension import Suspension, SuspensionError, default_end, in_force, suspend
from examsvc.oversight.institutions import Quality, flags, quality

from .cert_helpers import certified
from .paper_helpers import draft_class


def _status(app, class_id: int) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().get(TrainingClass, class_id).status


def test_a_suspended_institution_cannot_submit_until_the_suspension_is_lifted(app, world, officer, school):
    class_id = draft_class(app, world)
    until = (today_in_beijing() + timedelta(days=30)).isoformat()
    answer = officer.post(
        f"/officer/institutions/{world.institution}/suspend",
        {"reason": "培训记录造假", "ends_on": until},
        page="/officer/institutions/",
    )
    assert answer.status_code == 302
    page = school.post(
        f"/institution/classes/{class_id}/submit",
        page=f"/institution/classes/{class_id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert until in page and "培训记录造假" in page
    assert _status(app, class_id) == "draft"
    assert (
        officer.post(
            f"/officer/institutions/{world.institution}/lift",
            {"lift_reason": ""},
            page="/officer/institutions/",
        ).status_code
        == 422
    )  # a reason is needed to lift early
    officer.post(
        f"/officer/institutions/{world.institution}/lift",
        {"lift_reason": "复核后撤销"},
        page="/officer/institutions/",
    )
    school.post(f"/institution/classes/{class_id}/submit", page=f"/institution/classes/{class_id}")
    assert _status(app, class_id) == "submitted"
    with app.app_context():
        events = db_session().execute(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.object_type == "organisation")
        )
        detail = {action: json.loads(text) for action, text in events}
        assert detail["org.suspend"] == {"until": until, "reason": "培训记录造假"}  # why, in the trail
        assert detail["org.lift_suspension"] == {"reason": "复核后撤销"}


def test_a_class_submitted_before_the_suspension_cannot_be_approved(app, world):
    class_id = draft_class(app, world)
    with app.app_context():
        s = db_session()
        rules = ClassRules.from_config(app.config["EXAMSVC"])
        training_class = s.get(TrainingClass, class_id)
        classes.submit(s, SYSTEM, training_class, rules)
        org = s.get(Organisation, world.institution)
        today = today_in_beijing()
        suspend(s, SYSTEM, None, org, "冒名顶替", today + timedelta(days=1), today)
        with pytest.raises(SuspensionError):
            classes.approve(s, SYSTEM, training_class, rules)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"reason": "", "ends_on": "2030-01-01"}, "reason"),
        ({"reason": "造假", "ends_on": "2020-01-01"}, "past"),
        ({"reason": "造假", "ends_on": "下个月"}, "date"),
    ],
)
def test_a_suspension_needs_a_reason_and_a_future_end(app, world, officer, form, reason):
    answer = officer.post(
        f"/officer/institutions/{world.institution}/suspend", form, page="/officer/institutions/"
    )
    assert answer.status_code == 422, reason
    with app.app_context():
        assert db_session().scalars(select(Suspension)).all() == []


def test_only_institutions_can_be_suspended_and_the_default_is_three_years(app, world):
    assert default_end(date(2026, 11, 29)) == date(2029, 11, 29)
    assert default_end(date(2028, 2, 29)) == date(2031, 2, 28)
    with app.app_context():
        s = db_session()
        county = s.scalar(select(Organisation).where(Organisation.kind == "county"))
        with pytest.raises(SuspensionError):
            suspend(s, SYSTEM, None, county, "x", date(2030, 1, 1), date(2026, 1, 1))
        school = s.get(Organisation, world.institution)
        suspend(s, SYSTEM, None, school, "造假", date(2026, 3, 1), date(2026, 1, 1))
        assert in_force(s, school.id, date(2026, 3, 1)) is not None
        assert in_force(s, school.id, date(2026, 3, 2)) is None  # it ended by itself


def test_institutions_and_their_actions_are_for_officers_only(app, world, officer, school):
    assert school.get("/officer/institutions/").status_code == 403
    assert (
        school.post(
            f"/officer/institutions/{world.institution}/suspend",
            {"reason": "x", "ends_on": "2030-01-01"},
            page="/institution",
        ).status_code
        == 403
    )
    assert (
        officer.raw.post(
            f"/officer/institutions/{world.institution}/suspend",
            data={"reason": "x", "ends_on": "2030-01-01"},
        ).status_code
        == 400
    )  # no CSRF token


def test_results_per_institution(app, world, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)  # 3 sat the first sitting, 2 passed
    with app.app_context():
        s = db_session()
        cert = s.get(Certificate, certs[0].id)
        cert.revoked_at, cert.revoke_reason = cert.issued_at, "测试"
        s.commit()
        rows = {r.org.id: r for r in quality(s)}
    mine, other = rows[world.institution], rows[world.other_institution]
    assert (mine.classes, mine.trainees, mine.first_sat, mine.first_passed, mine.revoked) == (1, 3, 3, 2, 1)
    assert mine.pass_rate == 66 and mine.retake_rate == 0
    assert other.first_sat == 0 and other.pass_rate is None
    html = officer.get("/officer/institutions/").get_data(as_text=True)
    assert "66 %" in html and "测试培训学校" in html


def _row(org_id: int, sat: int, passed: int) -> Quality:
    return Quality(
        Organisation(id=org_id, kind="institution", code=str(org_id), name=str(org_id)),
        1,
        sat,
        sat,
        passed,
        0,
        0,
        0,
    )


def test_a_pass_rate_far_above_the_others_is_flagged_with_its_evidence():
    rows = [_row(1, 100, 60), _row(2, 100, 65), _row(3, 100, 70), _row(4, 100, 97), _row(5, 10, 10)]
    (flag,) = flags(rows)
    assert flag.org_id == 4 and flag.params == {
        "rate": 97,
        "median": 67,
        "count": 4,
        "passed": 97,
        "sat": 100,
    }
    assert flags(rows[:2] + rows[4:]) == []  # too few institutions with enough first sittings to compare
    assert flags([_row(1, 100, 60), _row(2, 100, 65), _row(3, 100, 75)]) == []
