"""Input no database can store (a NUL, a lone surrogate) is refused at the edge with 400, on
every database: PostgreSQL failed on it mid-query with a server error (found by the API fuzzer)."""

from __future__ import annotations

import json

import pytest

from examsvc.core.text import storable

from .conftest import PASSWORD
from .helpers import Client
from .tablet_helpers import base, call, enrollments

NUL, SURROGATE = "\x00", "\ud800"


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_the_verification_api_refuses_unstorable_fields(app, bad):
    """Guard: public_views.api's storable() check of token, number and name."""
    body = json.dumps({"number": f"GX{bad}1", "name": f"张{bad}"}, ensure_ascii=True)
    answer = Client(app).raw.post("/api/v1/verify", data=body, content_type="application/json")
    assert answer.status_code == 400 and "NUL" in answer.get_json()["detail"]  # RFC 9457, zh-CN by default


def test_a_query_or_form_value_with_a_nul_is_refused_before_any_view(app):
    """Guard: web.security.refuse_unstorable_input (a before_request hook)."""
    client = Client(app)
    assert client.get("/verify?token=a%00b").status_code == 400
    assert client.post("/login", {"username": "officer1\x00", "password": "x"}).status_code == 400


def test_a_tablet_body_with_a_nul_or_a_strange_key_is_refused(app, sitting, tablet):
    """Guards: tablet_views._values (every value storable) and submissions.KEY_SHAPE."""
    first = enrollments(app, sitting)[0]
    token = tablet.token("/proctor")
    path = f"{base(sitting, first)}/check-in"
    for body in (
        {"presence": "present", "seat_no": 1, "idempotency_key": NUL * 20},
        {"presence": "present", "seat_no": 1, "idempotency_key": "k" * 20, "note": SURROGATE},
    ):
        data = json.dumps(body, ensure_ascii=True)
        answer = tablet.raw.post(
            path, data=data, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert answer.status_code in {400, 422}, answer.status_code
    spaced = {"presence": "present", "seat_no": 1, "idempotency_key": "a key with spaces in it"}
    answer = tablet.raw.post(path, json=spaced, headers={"X-CSRFToken": token})
    assert answer.status_code in {400, 422}  # a refusal the tablet keeps, never retried


def test_storable_refuses_only_nul_and_lone_surrogates():
    assert storable("张三 GX-2026\t\n") and storable("😀")
    assert not storable("a\x00") and not storable("\udfff")


def test_digits_of_other_scripts_are_refused_never_a_server_error(app, world, sitting, tablet, officer):
    """Guards: core.text.whole_number (ASCII digits, bounded) in the tablet, correction and audit
    views; totp.matching_step and TotpForm (ASCII digits only)."""
    first = enrollments(app, sitting)[0]
    for body in (
        {"presence": "present", "seat_no": "²"},
        {"presence": "present", "seat_no": 1, "version": "²"},
    ):
        assert call(tablet, f"{base(sitting, first)}/check-in", body).status_code < 500
    assert call(tablet, f"{base(sitting, first)}/confirm", {"version": "٣"}).status_code < 500
    for page in ("²", "99999999999999999999", "9223372036854775807"):
        assert officer.get(f"/audit/?page={page}").status_code == 200
    client = Client(app)
    client.post("/login", {"username": "officer1", "password": PASSWORD})
    answer = client.post("/login/totp", {"code": "١٢٣٤٥٦"}, page="/login/totp")
    assert answer.status_code == 200 and "6" in answer.get_data(as_text=True)
