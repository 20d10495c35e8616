"""With Redis (several workers): the JSON API answers from one Redis round trip, revocations show at
once, a Redis that lost its data falls back to the database, and the counters never touch it."""

from __future__ import annotations

import json
import logging
import os

import pytest
import redis
from sqlalchemy import event, func, select

from examsvc.certificates import fast_verify
from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session
from examsvc.web.ratelimit import RateCounter

from .cert_helpers import altered, api, certified

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


def test_mirror_reset_clears_a_stray_bit_and_keeps_every_revocation(
    app, client, sitting, tablet, officer, empty_redis
):
    from examsvc.cli import main

    certs = certified(app, sitting, tablet, officer)
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "revoked"  # builds the mirror
    bits = app.extensions["examsvc.mirror"].bits
    empty_redis.setbit(bits, certs[1].status_index, 1)  # as left by a revocation whose commit failed
    # A set bit sends the look-up to the database (which has the revocation's date), never says valid itself.
    assert api(client, {"token": certs[1].token}).get_json()["status"] == "valid"

    result = app.test_cli_runner().invoke(main, ["certs", "mirror-reset", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert f"status indexes [{certs[1].status_index}]" in result.output
    assert api(client, {"token": certs[1].token}).get_json()["status"] == "valid"
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "revoked"
    assert empty_redis.getbit(bits, certs[0].status_index) == 1


def _signed_without_a_row(app, token: str) -> str:  # type: ignore[no-untyped-def]
    """A token our key signed that the database does not hold (an issuing transaction that rolled
    back after signing): not a certificate we issued."""
    import time

    from examsvc.certificates.verification import claims_even_if_expired
    from examsvc.core.crypto.jws import sign
    from examsvc.core.signing_keys import current_signer

    key_dir = app.config["EXAMSVC"].resolved_key_dir()
    claims = claims_even_if_expired(token, key_dir, int(time.time()))[1]
    kid, key = current_signer(key_dir)
    reference = {"status_list": {**claims["status"]["status_list"], "idx": 999_999}}
    return sign({**claims, "status": reference}, key, kid, "aqcert+jwt")


def test_the_fast_path_answers_only_for_tokens_the_database_holds(
    app, client, sitting, tablet, officer, empty_redis
):
    certs = certified(app, sitting, tablet, officer)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"  # builds the mirror
    orphan = _signed_without_a_row(app, certs[0].token)
    answers = [api(client, {"token": orphan}) for _ in range(8)]
    assert {a.get_json()["status"] for a in answers[:7]} == {"not_genuine"}  # as the database says
    # Each look-up the fast path passed on was counted once, not again by Flask: 8 allowed in all.
    assert answers[7].status_code == 429
    assert api(client, {"token": certs[1].token}).status_code == 429


def test_counters_live_in_redis_and_limit_every_worker(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    responses = [api(client, {"token": certs[0].token}) for _ in range(10)]
    answers = [r.status_code for r in responses]
    assert answers.count(429) >= 2 and answers[:7] == [200] * 7
    # The fast path's answers: the check time stamped in front, and its 429 a problem in zh-CN.
    assert responses[0].get_json()["checked_at"] and responses[0].get_json()["certificate"]["number"]
    limited = responses[-1]
    assert limited.mimetype == "application/problem+json" and limited.headers["Content-Language"] == "zh-CN"
    assert limited.get_json()["type"] == "urn:examsvc:problem:too-many-requests"
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


def test_the_fast_path_answers_as_flask_does_without_the_database(
    app, client, sitting, tablet, officer, caplog
):
    certs = certified(app, sitting, tablet, officer)
    through_flask = api(client, {"token": certs[0].token})  # the mirror is built on this one
    statements: list[str] = []
    engine = app.extensions["examsvc.db"].engine
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        with caplog.at_level(logging.INFO, logger="examsvc.requests"):
            fast = api(client, {"token": certs[0].token})
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert statements == []  # answered from memory and one Redis round trip
    assert fast.status_code == through_flask.status_code == 200
    assert fast.get_json() == through_flask.get_json() and fast.get_json()["status"] == "valid"
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Cache-Control"):
        assert fast.headers[name] == through_flask.headers[name], name
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "examsvc.requests"]
    assert logged and logged[-1]["route"] == "/api/v1/verify" and logged[-1]["status"] == 200
    assert certs[0].token not in caplog.text and certs[0].number not in caplog.text


def test_what_the_fast_path_does_not_know_goes_to_flask(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    with app.app_context():
        name = db_session().get(Certificate, certs[0].id).enrollment.trainee.name
    assert api(client, {"token": altered(certs[0].token)}).get_json()["status"] == "not_genuine"
    assert api(client, {"number": certs[0].number, "name": name}).get_json()["status"] == "valid"
    assert api(client, {"token": "x" * 5000}).get_json()["status"] == "not_genuine"
    as_text = client.raw.post("/api/v1/verify", data=certs[0].token, content_type="text/plain")
    assert as_text.status_code == 400
    assert client.raw.post("/api/v1/verify", data="{", content_type="application/json").status_code == 400
    assert api(client, ["token"]).status_code == 400


def test_the_fast_path_serves_the_flask_route_it_stands_for(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match(fast_verify.PATH, method="POST")[0] == "verify.api"
    assert isinstance(app.wsgi_app, fast_verify.VerifyFastPath)


def _answers(client, token: str, forwarded_for: str, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        client.raw.post("/api/v1/verify", json={"token": token}, headers=headers).status_code
        for _ in range(n)
    ]


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(
    app, client, sitting, tablet, officer
):
    token = certified(app, sitting, tablet, officer)[0].token
    answers = [_answers(client, token, f"10.0.0.{i}", 1)[0] for i in range(10)]
    assert answers.count(429) >= 2  # one client (127.0.0.1), whatever the header says


@pytest.mark.parametrize(
    "config_overrides", [{"redis_url": REDIS_URL, "verify_limit_per_minute": 8, "proxy_hops": 1}]
)
def test_behind_one_proxy_each_client_has_its_own_limit(app, client, sitting, tablet, officer):
    token = certified(app, sitting, tablet, officer)[0].token
    assert 429 in _answers(client, token, "203.0.113.7", 10)
    assert _answers(client, token, "203.0.113.8", 5) == [200] * 5  # another employer behind the same proxy
