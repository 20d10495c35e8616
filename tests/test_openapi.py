"""The OpenAPI document of the JSON endpoints (examsvc/static/openapi.json, served at /api/openapi.json).

It is kept true two ways: every operation it names is a route in app.url_map and every JSON route
is in it (so a new JSON endpoint or a stale entry fails here), and schemathesis fuzzes its public
operations against the test app: no 5xx, and every answer has a documented status, content type
and body. The tablet calls need a signed-in proctor and a CSRF token and are not fuzzed here.
"""

from __future__ import annotations

import inspect
import json
import re
import secrets
from importlib import resources

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .cert_helpers import altered, api, certified
from .tablet_helpers import enrollments

# The JSON endpoints, named on purpose: a new one must be added here and to the document.
JSON_ENDPOINTS = {
    "verify.api",
    "verify.openapi",
    "verify.jwks",
    "verify.revocation_list",  # application/jwt: a signed JSON document
    "ops.healthz",
    "tablet.check_in",
    "photos.take",
    "scans.camera",
    "tablet.result",
    "tablet.confirm",
    "tablet.lock",
    "jobs.job_status",  # a job's progress, for its page's script
}
JSON_MARKS = re.compile(r"jsonify\(|application/json")
CALLS = re.compile(r"\b(\w+)\(")
FUZZED = r"^/(api/|\.well-known/|status/|healthz$)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _document() -> dict:
    return json.loads(resources.files("examsvc").joinpath("static/openapi.json").read_text("utf-8"))


def _routes(app, endpoints=None) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(OpenAPI path, method) of the app's rules, e.g. ("/proctor/sittings/{sitting_id}/lock", "post")."""
    return {
        (re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if endpoints is None or rule.endpoint in endpoints
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_document_and_the_url_map_agree(app):
    documented = {(path, method) for path, item in _document()["paths"].items() for method in item}
    assert documented - _routes(app) == set(), "documented but no such route"
    assert _routes(app, JSON_ENDPOINTS) - documented == set(), "a JSON route missing from the document"


def _answers_json(function, seen: set) -> bool:  # type: ignore[no-untyped-def]
    """Its code answers JSON, or calls a function of its own module that does (the tablet's _answer)."""
    seen.add(function)
    source = inspect.getsource(function)
    if JSON_MARKS.search(source):
        return True
    module = inspect.getmodule(function)
    for name in CALLS.findall(source):
        called = getattr(module, name, None)
        local = inspect.isfunction(called) and called.__module__ == module.__name__
        if local and called not in seen and _answers_json(called, seen):
            return True
    return False


def test_every_view_that_answers_json_is_named(app):
    speaks_json = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if _answers_json(inspect.unwrap(view), set())
    }
    assert speaks_json - JSON_ENDPOINTS == set()
    assert "tablet.check_in" in speaks_json and "verify.api" in speaks_json  # the marks still find them


def test_the_document_is_served_as_it_is_stored(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == _document()


def test_fuzz_the_public_operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(path_regex=FUZZED)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/api/v1/verify",
        "/api/openapi.json",
        "/.well-known/jwks.json",
        "/status/revocation",
        "/healthz",
    }
    for operation in operations:
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if operation.method == "post" else [None]
        for mode in modes:
            strategy = (
                operation.as_strategy() if mode is None else operation.as_strategy(generation_mode=mode)
            )

            @given(case=strategy)
            @settings(
                max_examples=50 if mode else 5,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case) -> None:  # type: ignore[no-untyped-def]
                case.call_and_validate(checks=CHECKS)

            fuzz()


def _conforms(app, path: str, method: str, response) -> None:  # type: ignore[no-untyped-def]
    """The response is documented for the operation: its status, content type and body."""
    operation = schemathesis.openapi.from_dict(_document())[path][method]
    documented = operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (path, response.status_code)
    operation.validate_response(response)


def test_real_verdicts_match_the_document(app, client, sitting, tablet, officer):
    """What random bodies cannot reach: genuine, revoked-or-not, by number and name."""
    certs = certified(app, sitting, tablet, officer)
    name = api(client, {"token": certs[0].token}).get_json()["certificate"]["name"]
    answers = [
        api(client, {"token": certs[0].token}),
        api(client, {"token": altered(certs[0].token)}),
        api(client, {"number": certs[0].number, "name": name}),
        api(client, {"number": certs[0].number, "name": "someone else"}),
        api(client, {}),
        client.raw.post("/api/v1/verify", data="not json", content_type="application/json"),
    ]
    limit = app.config["EXAMSVC"].verify_limit_per_minute
    answers += [api(client, {"token": certs[0].token}) for _ in range(limit)][-1:]  # past the limit
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 400, 400, 429]
    assert answers[0].get_json()["status"] == "valid" and "certificate" in answers[0].get_json()
    for response in answers:
        _conforms(app, "/api/v1/verify", "POST", response)


def test_tablet_answers_match_the_document(app, world, sitting, tablet):
    first, second, *_ = enrollments(app, sitting)
    path = "/proctor/sittings/{sitting_id}/candidates/{enrollment_id}/"
    headers = {"X-CSRFToken": tablet.token("/proctor"), "Accept": "application/json"}

    def post(endpoint: str, enrollment_id: int, body: dict, sitting_id: int = sitting.id):  # type: ignore[no-untyped-def]
        url = f"/proctor/sittings/{sitting_id}/candidates/{enrollment_id}/{endpoint}"
        response = tablet.raw.post(url, json=body, headers=headers)
        _conforms(app, path + endpoint, "POST", response)
        return response

    key = secrets.token_hex(16)
    checked_in = post("check-in", first, {"idempotency_key": key, "presence": "present", "seat_no": 1})
    again = post("check-in", first, {"idempotency_key": key, "presence": "present", "seat_no": 1})
    assert checked_in.status_code == again.status_code == 200 and again.get_json() == {
        **checked_in.get_json(),
        "message": again.get_json()["message"],
    }
    taken = post(
        "check-in", second, {"idempotency_key": secrets.token_hex(16), "presence": "present", "seat_no": 1}
    )
    no_key = post("check-in", second, {"presence": "present", "seat_no": 2})
    elsewhere = post("check-in", second, {"idempotency_key": "k", "presence": "present"}, sitting_id=99999)
    version = checked_in.get_json()["version"]
    bad_sheet = post(
        "result", first, {"idempotency_key": secrets.token_hex(16), "answers": "Z", "version": version}
    )
    nothing_to_confirm = post("confirm", first, {})  # JSON answers need a JSON body
    answered = [r.status_code for r in (taken, no_key, elsewhere, bad_sheet, nothing_to_confirm)]
    assert answered == [409, 400, 404, 422, 422]
    assert bad_sheet.get_json()["problems"]  # one per question, in the documented shape
