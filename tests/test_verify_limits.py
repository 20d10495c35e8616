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
    assert big.status_code == 413 and "16000" in big.get_json()["error"] and parsed == []
    app.config["EXAMSVC"] = app.config["EXAMSVC"].with_overrides(
        {"verify_limit_per_minute": 2}
    )  # the big one counted too
    assert client.raw.post("/api/v1/verify", json={"token": "x"}).status_code == 200
    assert client.raw.post("/api/v1/verify", json={"token": "x"}).status_code == 429
    assert len(parsed) == 1  # the refused look-up was never parsed
