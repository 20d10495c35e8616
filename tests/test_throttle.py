"""Login throttling: 429 after repeated failures, counted in the database for every worker."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD


@pytest.fixture
def config_overrides():
    return {"login_max_failures": 3, "login_max_failures_per_ip": 10}


def test_repeated_failures_get_429_even_with_the_right_password(client, world):
    for _ in range(3):
        assert (
            client.post("/login", {"username": "school1", "password": "wrong-password-1"}).status_code == 200
        )
    response = client.post("/login", {"username": "school1", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/institution").status_code == 302


def test_throttle_is_per_user_name_and_not_fooled_by_case(client, world):
    for name in ("SCHOOL1", "School1", "school1"):
        client.post("/login", {"username": name, "password": "wrong-password-1"})
    assert client.post("/login", {"username": "school1", "password": PASSWORD}).status_code == 429
    # Another user from the same address is not locked out by someone else's failures.
    assert client.post("/login", {"username": "proctor1", "password": PASSWORD}).status_code == 302


def test_many_user_names_from_one_address_are_throttled(client, world):
    for i in range(10):
        client.post("/login", {"username": f"guess{i}", "password": "wrong-password-1"})
    assert client.post("/login", {"username": "proctor1", "password": PASSWORD}).status_code == 429


def test_wrong_totp_codes_count_too(client, world):
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    for _ in range(3):
        client.post("/login/totp", {"code": "000000"})
    assert client.post("/login/totp", {"code": "000000"}).status_code == 429


def test_failures_outside_the_window_do_not_count(client, world, app):
    from datetime import timedelta

    from sqlalchemy import select

    from examsvc.auth.models import LoginAttempt
    from examsvc.core.db import db_session

    for _ in range(3):
        client.post("/login", {"username": "school1", "password": "wrong-password-1"})
    with app.app_context():
        s = db_session()
        for attempt in s.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(minutes=16)
        s.commit()
    assert client.post("/login", {"username": "school1", "password": PASSWORD}).status_code == 302
