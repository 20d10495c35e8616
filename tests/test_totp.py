"""The second factor of officers and admins: enrolment by QR code, codes, replays."""

from __future__ import annotations

import re
import time

import pytest

from examsvc.core.crypto import totp

from .conftest import PASSWORD, _b32decode


def test_officer_password_alone_does_not_sign_in(client, world):
    response = client.post("/login", {"username": "officer1", "password": PASSWORD})
    assert response.location.endswith("/login/totp")
    assert client.get("/officer").status_code == 302  # still anonymous


def test_first_sign_in_enrols_an_authenticator(client, world, app):
    from examsvc.audit.service import SYSTEM
    from examsvc.auth.service import create_user
    from examsvc.core.db import db_session

    with app.app_context():
        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="newofficer",
            display_name="新考务",
            role="officer",
            org_id=world.bureau,
            password=PASSWORD,
        )
        db_session().commit()
    client.post("/login", {"username": "newofficer", "password": PASSWORD})
    page = client.get("/login/totp").get_data(as_text=True)
    assert "<svg" in page  # the QR code to scan
    secret = _b32decode(re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1))
    # The same secret is shown again on reload until a code confirms it.
    assert re.search(
        r'id="totp-secret">([A-Z2-7]+)<', client.get("/login/totp").get_data(as_text=True)
    ).group(1)
    response = client.post("/login/totp", {"code": totp.code_at(secret, time.time())})
    assert response.location.endswith("/officer")
    client.logout()
    # Enrolled now: the next sign-in asks for a code and shows no secret.
    client.post("/login", {"username": "newofficer", "password": PASSWORD})
    assert "totp-secret" not in client.get("/login/totp").get_data(as_text=True)


def test_wrong_code_is_refused(client, world):
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    secret = world.totp_secrets["officer1"]
    wrong = f"{(int(totp.code_at(secret, time.time())) + 1) % 1_000_000:06d}"
    response = client.post("/login/totp", {"code": wrong})
    assert response.status_code == 200
    assert client.get("/officer").status_code == 302


def test_replayed_code_is_refused(client, world, app):
    secret = world.totp_secrets["officer1"]
    code = totp.code_at(secret, time.time())
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    assert client.post("/login/totp", {"code": code}).status_code == 302
    # Someone who saw the code over the shoulder tries it at once in another browser.
    thief = type(client)(app)
    thief.post("/login", {"username": "officer1", "password": PASSWORD})
    response = thief.post("/login/totp", {"code": code})
    assert response.status_code == 200
    assert "已使用" in response.get_data(as_text=True)
    assert thief.get("/officer").status_code == 302


def test_pending_second_factor_expires(client, world):
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    with client.raw.session_transaction() as sess:
        sess["pending_login"]["at"] -= 301
        sess.modified = True
    response = client.get("/login/totp")
    assert response.location.endswith("/login")


@pytest.mark.parametrize(
    ("offset_steps", "accepted"),
    [(-2, False), (-1, True), (0, True), (1, True), (2, False)],
)
def test_clock_drift_window(offset_steps, accepted):
    secret = totp.new_secret()
    now = 1_700_000_000.0
    code = totp.code_at(secret, now + offset_steps * totp.STEP_SECONDS)
    assert (totp.matching_step(secret, code, now, None) is not None) is accepted


def test_a_newer_code_makes_older_ones_unusable():
    secret = totp.new_secret()
    now = 1_700_000_000.0
    newest = totp.matching_step(secret, totp.code_at(secret, now + 30), now, None)
    assert newest is not None
    assert totp.matching_step(secret, totp.code_at(secret, now), now, newest) is None


def test_rfc6238_vector():
    # RFC 6238 Appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the 6-digit code is its tail.
    secret = b"12345678901234567890"
    assert totp.code_at(secret, 59) == "287082"
