"""A person's identity belongs to the bureau: a roster asks, an officer decides with evidence."""

from __future__ import annotations

import json

from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.core.identity import make_credit_code
from examsvc.trainees import identity_changes
from examsvc.trainees.models import IdentityChange, Trainee

from .class_helpers import new_class, person, roster_csv, upload
from .conftest import new_user_client
from .helpers import Client


def _other_school(app, world) -> Client:  # type: ignore[no-untyped-def]
    return new_user_client(app, world, "institution", "school2", world.other_institution)


def _asked(app, world, school, name: str) -> int:  # type: ignore[no-untyped-def]
    """学员1 registered by the world's school, then sent as `name` by another: the change asked."""
    upload(school, new_class(school), roster_csv([person(1)]))
    other = _other_school(app, world)
    upload(other, _leaders(other), roster_csv([person(1, name=name)]))
    with app.app_context():
        return db_session().scalar(select(IdentityChange.id))


def _leaders(client) -> int:  # type: ignore[no-untyped-def]
    """A class of another category: one person may be in one open class per category."""
    return new_class(client, category="leader", hours_online=4, hours_offline=12)


def _trainee(app) -> Trainee:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalars(select(Trainee)).one()


def test_a_roster_asks_for_a_new_name_and_keeps_its_contact_details_to_itself(app, world, school):
    """Guards: trainees.service.upsert (an existing record is not written by a roster) and
    identity_changes.ask_for_name (the difference becomes a pending request, audited)."""
    upload(school, new_class(school), roster_csv([person(1, phone="13800000001")]))
    before = _trainee(app)
    other = _other_school(app, world)
    another = make_credit_code("914501000MA5EMP99")
    renamed = person(1, name="李四", phone="13900000009", employer="另一家公司", code=another)
    response = upload(other, _leaders(other), roster_csv([renamed]))
    assert response.status_code == 302
    flashed = other.get(response.location).get_data(as_text=True)
    assert "已提交给应急管理局审核" in flashed
    after = _trainee(app)
    assert (after.name, after.phone_masked, after.employer_id) == (
        before.name,
        before.phone_masked,
        before.employer_id,
    )
    with app.app_context():
        s = db_session()
        enrolments = s.scalars(select(Enrollment).order_by(Enrollment.id)).all()
        assert enrolments[1].phone_masked.endswith("0009") and enrolments[0].phone_masked.endswith("0001")
        assert enrolments[1].employer.name == "另一家公司"
        change = s.scalars(select(IdentityChange)).one()
        assert (change.old_value, change.new_value, change.status) == (before.name, "李四", "pending")
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.identity_asked")) is not None
    # The same difference sent again is not asked twice.
    with app.app_context():
        s = db_session()
        assert identity_changes.ask_for_name(s, SYSTEM, s.get(Trainee, after.id), "李四", "again") is None


def test_an_officer_decides_with_the_evidence_recorded(app, world, school, officer):
    """Guard: identity_changes._decide (no decision without its evidence) and approve (audited)."""
    change_id = _asked(app, world, school, "李四")
    page = "/officer/trainees/changes"
    assert "李四" in officer.get(page).get_data(as_text=True)
    officer.post(f"{page}/{change_id}/approve", {"evidence": ""}, page=page)
    assert _trainee(app).name == "学员1"  # no evidence, no change
    officer.post(f"{page}/{change_id}/approve", {"evidence": "核对身份证原件，姓名已依法变更"}, page=page)
    assert _trainee(app).name == "李四"
    with app.app_context():
        event = db_session().scalar(select(AuditEvent).where(AuditEvent.action == "trainee.rename"))
        detail = json.loads(event.detail)
    assert detail["from"] == "学员1" and detail["to"] == "李四" and "身份证" in detail["evidence"]


def test_a_refused_change_leaves_the_name(app, world, school, officer):
    change_id = _asked(app, world, school, "王五")
    page = "/officer/trainees/changes"
    officer.post(f"{page}/{change_id}/reject", {"evidence": "证件姓名与原登记一致"}, page=page)
    assert _trainee(app).name == "学员1"
    with app.app_context():
        assert db_session().get(IdentityChange, change_id).status == "rejected"


def test_an_approval_binds_the_name_the_request_was_made_against(app, world, school, officer):
    """Guard: identity_changes.approve refuses a request whose old name is no longer the name;
    _decide refuses evidence past 300 characters instead of cutting it."""
    first = _asked(app, world, school, "李四")
    with app.app_context():
        s = db_session()
        trainee = s.scalars(select(Trainee)).one()
        second = IdentityChange(
            trainee_id=trainee.id, field="name", old_value="学员1", new_value="王五", source="x"
        )
        s.add(second)
        s.commit()
        second_id = second.id
    page = "/officer/trainees/changes"
    officer.post(f"{page}/{first}/approve", {"evidence": "x" * 301}, page=page)
    assert _trainee(app).name == "学员1"  # too long: refused, not cut
    officer.post(f"{page}/{first}/approve", {"evidence": "核对身份证原件"}, page=page)
    officer.post(f"{page}/{second_id}/approve", {"evidence": "核对身份证原件"}, page=page)
    assert _trainee(app).name == "李四"  # the second asked from 学员1, which is no longer the name
    with app.app_context():
        assert db_session().get(IdentityChange, second_id).status == "pending"


def test_an_institutions_roster_page_shows_its_own_contact_details(app, world, school):
    """Guard: templates/classes/_facts.html reads the enrolment's phone and employer, not the
    person's record (which another institution's roster may have filled)."""
    class_id = new_class(school)
    upload(school, class_id, roster_csv([person(1, phone="13800000001")]))
    with app.app_context():
        s = db_session()
        s.scalars(select(Trainee)).one().phone_masked = "139****7777"  # as another roster left it
        s.commit()
    page = school.get(f"/institution/classes/{class_id}").get_data(as_text=True)
    assert "0001" in page and "7777" not in page
