"""Admins manage organisations and users; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.core.db import db_session
from examsvc.orgs.models import Organisation

from .conftest import PASSWORD


def _user(app, username):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(User).where(User.username == username))


def test_admin_creates_an_organisation_and_a_user(client, world, app):
    world.login(client, "admin1")
    response = client.post(
        "/admin/orgs/new",
        {
            "kind": "county",
            "code": "450124",
            "name": "马山县应急管理局",
            "county_code": "450124",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        county = db_session().scalar(select(Organisation).where(Organisation.code == "450124"))
    response = client.post(
        "/admin/users/new",
        {
            "username": "mashan1",
            "display_name": "马山 监考",
            "role": "proctor",
            "org_id": county.id,
            "password": "Mashan-proctor-1",
        },
    )
    assert response.status_code == 302
    assert _user(app, "mashan1").org_id == county.id
    with app.app_context():
        actions = list(db_session().scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["org.create", "user.create"]


def test_role_that_does_not_fit_the_organisation_is_refused_on_the_field(client, world, app):
    world.login(client, "admin1")
    response = client.post(
        "/admin/users/new",
        {
            "username": "fake-proctor",
            "display_name": "x",
            "role": "proctor",
            "org_id": world.institution,
            "password": "Fake-proctor-12",
        },
    )
    assert response.status_code == 200
    assert "角色与所属单位不符" in response.get_data(as_text=True)
    assert _user(app, "fake-proctor") is None


def test_duplicate_code_is_refused(client, world):
    world.login(client, "admin1")
    response = client.post("/admin/orgs/new", {"kind": "county", "code": "450123", "name": "重复"})
    assert response.status_code == 200
    assert "已有同类单位使用此代码" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_sessions(client, world, app):
    school = type(client)(app)
    school.login("school1", PASSWORD)
    world.login(client, "admin1")
    user = _user(app, "school1")
    response = client.post(
        f"/admin/users/{user.id}",
        {"display_name": "school1", "role": "institution", "org_id": world.institution},
    )
    assert response.status_code == 302
    assert school.get("/institution").status_code == 302
    assert school.post("/login", {"username": "school1", "password": PASSWORD}).status_code == 200  # refused


def test_admin_cannot_lock_themselves_out(client, world, app):
    world.login(client, "admin1")
    me = _user(app, "admin1")
    response = client.post(
        f"/admin/users/{me.id}", {"display_name": "me", "role": "admin", "org_id": world.bureau}
    )
    assert response.status_code == 200
    assert _user(app, "admin1").active


def test_reset_password_and_second_factor(client, world, app):
    world.login(client, "admin1")
    officer = _user(app, "officer1")
    assert (
        client.post(f"/admin/users/{officer.id}/password", {"password": "Brand-new-pass-5"}).status_code
        == 302
    )
    assert client.post(f"/admin/users/{officer.id}/totp-reset", {}).status_code == 302
    after = _user(app, "officer1")
    assert after.totp_secret is None and after.totp_enrolled_at is None
    fresh = type(client)(app)
    fresh.post("/login", {"username": "officer1", "password": "Brand-new-pass-5"})
    assert "totp-secret" in fresh.get("/login/totp").get_data(as_text=True)  # enrols anew


def test_missing_objects_are_404(client, world):
    world.login(client, "admin1")
    assert client.get("/admin/users/99999").status_code == 404
    assert client.get("/admin/orgs/99999").status_code == 404
