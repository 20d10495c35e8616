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
