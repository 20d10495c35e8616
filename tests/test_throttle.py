"""Sign-in throttling (auth/throttle.py, auth/rules.ThrottleLimits): growing delays per account and
client, counted in the database for every worker, decided one at a time, never a lock a stranger
can put on someone else's account."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import LoginAttempt, User
from examsvc.auth.rules import ThrottleLimits
from examsvc.core.db import db_session

from .conftest import PASSWORD, World
from .helpers import Client
from .stored import committed_database

WRONG = "wrong-password-1"
ELSEWHERE = {"REMOTE_ADDR": "10.9.8.7"}


@pytest.fixture
def config_overrides():
    return {"login_max_failures": 3, "login_max_failures_per_ip": 10, "login_alert_failures": 6}


def _try(client, username: str, password: str, where: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post("/login", {"username": username, "password": password}, environ_base=where or {})


def test_past_the_free_tries_a_client_waits_longer_each_time(app, client, world):
    """Guard: ThrottleLimits.delay_after via throttle.wait_seconds; the 429 says how long."""
    for _ in range(3):
        assert _try(client, "school1", WRONG).status_code == 200
    refused = _try(client, "school1", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 30
    clock = app.extensions["examsvc.clock"]
    clock.advance(timedelta(seconds=31))
    assert _try(client, "school1", WRONG).status_code == 200
    assert int(_try(client, "school1", PASSWORD).headers["Retry-After"]) == 60  # doubled
    clock.advance(timedelta(seconds=61))
    assert _try(client, "school1", PASSWORD).status_code == 302
    assert client.get("/institution").status_code == 200


def test_a_stranger_cannot_lock_the_owner_out(client, world):
    """Guard: the throttle is per account *and* client (LoginThrottle's key), with no account lock."""
    for _ in range(6):
        _try(client, "officer1", WRONG)
    assert _try(client, "officer1", PASSWORD).status_code == 429
    owner = Client(world.app)
    assert _try(owner, "officer1", PASSWORD, ELSEWHERE).status_code == 302  # on to the TOTP step


def test_the_throttle_is_not_fooled_by_case(client, world):
    for name in ("SCHOOL1", "School1", "school1"):
        _try(client, name, WRONG)
    assert _try(client, "school1", PASSWORD).status_code == 429
    assert _try(client, "proctor1", PASSWORD).status_code == 302  # another account from here: fine


def test_many_user_names_from_one_address_are_stopped(client, world):
    """Guard: ThrottleLimits.per_client in throttle.wait_seconds."""
    for i in range(10):
        _try(client, f"guess{i}", WRONG)
    refused = _try(client, "proctor1", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_wrong_totp_codes_count_too(client, world):
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    for _ in range(3):
        client.post("/login/totp", {"code": "000000"})
    assert client.post("/login/totp", {"code": "000000"}).status_code == 429


def test_after_the_window_the_failures_are_forgotten(app, client, world):
    for _ in range(3):
        _try(client, "school1", WRONG)
    app.extensions["examsvc.clock"].advance(timedelta(minutes=16))
    assert _try(client, "school1", WRONG).status_code == 200  # counted afresh: the first of three
    assert _try(client, "school1", PASSWORD).status_code == 302


def test_a_sustained_attack_alerts_the_officers_and_an_admin_can_clear_the_waits(app, client, world):
    """Guards: throttle._alert_on_sustained_attack (audited), under_attack on the officer's home
    page, and throttle.clear (an admin's action, audited)."""
    for n in range(6):  # six clients, one failure each: nobody throttled, the account attacked
        _try(Client(app), "school1", WRONG, {"REMOTE_ADDR": f"10.0.0.{n}"})
    for _ in range(3):
        _try(client, "school1", WRONG)
    with app.app_context():
        alert = db_session().scalar(select(AuditEvent).where(AuditEvent.action == "auth.attack_suspected"))
    assert alert is not None and json.loads(alert.detail)["clients"] >= 6
    officer = Client(app)
    world.login(officer, "officer1")
    assert "school1" in officer.get("/officer").get_data(as_text=True)
    assert _try(client, "school1", PASSWORD).status_code == 429
    admin = Client(app)
    world.login(admin, "admin1")
    with app.app_context():
        user_id = db_session().scalar(select(User.id).where(User.username == "school1"))
    admin.post(f"/admin/users/{user_id}/throttle-clear", page=f"/admin/users/{user_id}")
    with app.app_context():
        cleared = db_session().scalar(select(AuditEvent).where(AuditEvent.action == "user.throttle_cleared"))
    assert cleared is not None
    assert _try(client, "school1", PASSWORD).status_code == 302


def test_parallel_guesses_get_no_more_tries_than_the_free_ones(tmp_path):
    """Guard: the throttle row's lock (throttle._row, FOR UPDATE on PostgreSQL): many parallel
    wrong passwords from one client are decided one at a time, so exactly the free tries are
    checked and the rest refused, on every database."""
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    try:
        World(app)
        limits_free = app.config["EXAMSVC"].login_max_failures
        statuses: list[int] = []
        barrier = threading.Barrier(12)

        def guess() -> None:
            client = Client(app)
            token = client.token()
            barrier.wait()
            answer = client.raw.post(
                "/login", data={"csrf_token": token, "username": "school1", "password": WRONG}
            )
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=guess) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with app.app_context():
            checked = db_session().scalar(
                select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "school1")
            )
        assert checked == limits_free and statuses.count(429) == 12 - limits_free, statuses
    finally:
        app.extensions["examsvc.db"].engine.dispose()
        drop()


def test_delays_double_and_stop_at_the_cap():
    limits = ThrottleLimits(free_tries=3, per_client=10, window=timedelta(minutes=15))
    assert [limits.delay_after(n) for n in range(1, 10)] == [0, 0, 30, 60, 120, 240, 480, 900, 900]
