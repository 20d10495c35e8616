"""With Redis (several workers): the JSON API answers from one Redis round trip, revocations show at
once, a Redis that lost its data falls back to the database, and the counters never touch it."""

from __future__ import annotations

import os

import pytest
import redis
from sqlalchemy import func, select

from examsvc.db import db_session
from examsvc.ratelimit import RateCounter

from .cert_helpers import api, certified

REDIS_URL = os.environ.get("EXAMSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")  # emptied by each test


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"redis_url": REDIS_URL, "verify_limit_per_minute": 8}


@pytest.fixture(autouse=True)
def empty_redis():  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_revocation_shows_at_once_and_survives_a_redis_restart(
    app, client, sitting, tablet, officer, empty_redis
):
    certs = certified(app, sitting, tablet, officer)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"  # builds the mirror
    assert empty_redis.get(app.extensions["examsvc.mirror"].ready) is not None
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    assert empty_redis.getbit(app.extensions["examsvc.mirror"].bits, certs[0].status_index) == 1
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "revoked"
    empty_redis.flushdb()  # Redis restarted and kept nothing
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "revoked"  # the database said so
    assert (
        empty_redis.getbit(app.extensions["examsvc.mirror"].bits, certs[0].status_index) == 1
    )  # and the mirror is back
    assert api(client, {"token": certs[1].token}).get_json()["status"] == "valid"


def test_counters_live_in_redis_and_limit_every_worker(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    answers = [api(client, {"token": certs[0].token}).status_code for _ in range(10)]
    assert answers.count(429) >= 2 and answers[:7] == [200] * 7
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(RateCounter)) == 0


@pytest.mark.parametrize("config_overrides", [{"redis_url": "redis://127.0.0.1:9/0"}])
def test_without_redis_the_database_answers_and_revoking_is_refused(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"
    page = officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "撤销未能发布" in page
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"  # nothing changed
