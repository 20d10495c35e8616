"""Public look-ups are rate-limited per client address, across workers (counted in the database)."""

from __future__ import annotations

import pytest

from .cert_helpers import api, certified


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"verify_limit_per_minute": 5}


def test_public_lookups_are_rate_limited(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    answers = [api(client, {"token": certs[0].token}).status_code for _ in range(7)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    assert client.get(f"/v/{certs[0].token}").status_code == 429


def test_the_api_counts_and_bounds_a_body_before_reading_it(app, client, monkeypatch):
    """Guards: in public_views.api, allowed() and the API_BODY_MAX check come before get_json."""
    from flask import Request

    parsed = []
    real = Request.get_json
    monkeypatch.setattr(Request, "get_json", lambda self, *a, **k: parsed.append(1) or real(self, *a, **k))
    big = client.raw.post(
        "/api/v1/verify", data=b'{"token": "' + b"x" * 1_000_000 + b'"}', content_type="application/json"
    )
    assert big.status_code == 413 and "16000" in big.get_json()["detail"] and parsed == []
    app.config["EXAMSVC"] = app.config["EXAMSVC"].with_overrides(
        {"verify_limit_per_minute": 2}
    )  # the big one counted too
    assert client.raw.post("/api/v1/verify", json={"token": "x"}).status_code == 200
    assert client.raw.post("/api/v1/verify", json={"token": "x"}).status_code == 429
    assert len(parsed) == 1  # the refused look-up was never parsed


def test_errors_are_problem_details_in_the_callers_language(client):
    """Guards: problems.language and public_views._problem (RFC 9457, zh-CN unless English is
    preferred), on the Flask path; the fast path's 429 is checked in test_verify_redis.py."""
    chinese = client.raw.post("/api/v1/verify", data="[]", content_type="application/json")
    english = client.raw.post(
        "/api/v1/verify",
        data="[]",
        content_type="application/json",
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    for answer, lang in ((chinese, "zh-CN"), (english, "en")):
        body = answer.get_json()
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
        assert answer.headers["Content-Language"] == lang and body["status"] == 400
        assert body["type"] == "urn:examsvc:problem:bad-request" and body["title"] and body["detail"]
    assert "JSON" in english.get_json()["detail"] and "请发送" in chinese.get_json()["detail"]


def test_a_deeply_nested_body_is_a_bad_request_not_a_500(client):
    """Guard: web.json_bounds.BoundedJSONProvider (RecursionError escaped get_json(silent=True))."""
    nested = "[" * 1000 + "]" * 1000
    answer = client.raw.post("/api/v1/verify", data=nested, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["type"] == "urn:examsvc:problem:bad-request"
