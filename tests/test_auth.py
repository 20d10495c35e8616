"""Sign-in: passwords, the session renewed at login, sign-out that really ends the session."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examsvc.auth.models import LoginSession
from examsvc.auth.rules import safe_next
from examsvc.core.db import db_session

from .conftest import PASSWORD


def test_each_role_lands_on_its_home(client, world):
    homes = {
        "admin1": "/admin/",
        "officer1": "/officer",
        "proctor1": "/proctor",
        "school1": "/institution",
    }
    for username, home in homes.items():
        secret = world.totp_secrets.get(username)
        response = client.login(username, PASSWORD, secret)
        assert response.location.endswith(home)
        page = client.get(home)
        assert page.status_code == 200
        assert username in page.get_data(as_text=True)
        client.logout()


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world):
    for username in ("school1", "nobody"):
        response = client.post("/login", {"username": username, "password": "wrong-password-1"})
        assert response.status_code == 200
        assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/institution").status_code == 302


def test_login_renews_the_session_and_drops_what_came_before(client, world):
    client.get("/login")
    with client.raw.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.login("school1", PASSWORD)
    with client.raw.session_transaction() as sess:
        assert "planted" not in sess
        first_token = sess["_user_id"]
    client.logout()
    client.login("school1", PASSWORD)
    with client.raw.session_transaction() as sess:
        assert sess["_user_id"] != first_token


def test_logout_ends_the_session_on_the_server(client, world, app):
    client.login("school1", PASSWORD)
    with client.raw.session_transaction() as sess:
        stolen = dict(sess)
    assert client.logout().status_code == 302
    # Replaying the old cookie contents does not bring the login back.
    with client.raw.session_transaction() as sess:
        sess.update(stolen)
    assert client.get("/institution").status_code == 302
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(LoginSession)) == 0


def test_open_redirect_after_login_is_refused(client, world):
    response = client.post("/login?next=//evil.example/x", {"username": "school1", "password": PASSWORD})
    assert response.location.endswith("/institution")
    client.logout()
    response = client.post("/login?next=/account", {"username": "school1", "password": PASSWORD})
    assert response.location.endswith("/account")


LEAVING = [
    "//evil.example/x",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "/%0d%0aSet-Cookie:%20x=1",
    "/a\x7fb",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", LEAVING)
def test_no_next_leaves_the_site_however_it_is_spelled(target):
    """Guard: auth.rules.safe_next (controls, whitespace, backslashes, decoded again and again)."""
    assert safe_next(target) is None


def test_a_next_with_control_characters_signs_in_to_the_home_page_not_a_server_error(client, world):
    """Guard: safe_next refuses before redirect() could fail on a newline after the login committed."""
    response = client.raw.post(
        "/login?next=/account%0d%0aX:%20y",
        data={"csrf_token": client.token(), "username": "school1", "password": PASSWORD},
    )
    assert response.status_code == 302 and response.location.endswith("/institution")


def test_session_cookie_flags(client, world):
    response = client.post("/login", {"username": "school1", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password_ends_other_sessions(client, world, app):
    other = type(client)(app)
    other.login("school1", PASSWORD)
    client.login("school1", PASSWORD)
    response = client.post(
        "/account", {"current": PASSWORD, "new": "Another-pass-77", "repeat": "Another-pass-77"}
    )
    assert response.status_code == 302
    assert other.get("/institution").status_code == 302  # signed out everywhere
    assert client.login("school1", "Another-pass-77").status_code == 302


def test_change_password_rejects_weak_password_with_reason(client, world):
    client.login("school1", PASSWORD)
    response = client.post(
        "/account", {"current": PASSWORD, "new": "school1-abcdef", "repeat": "school1-abcdef"}
    )
    assert response.status_code == 200
    assert "密码不能包含用户名" in response.get_data(as_text=True)
