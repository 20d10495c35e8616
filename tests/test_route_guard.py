"""Deny by default: every endpoint declares who may use it, and the declaration holds at runtime.

Later capabilities add their bank, paper and answer-key routes to SEPARATED_PREFIXES' reach
automatically: any route under those prefixes that lets an institution in fails here.
"""

from __future__ import annotations

import re

import pytest

from examsvc.access import access_of

from .conftest import PASSWORD
from .helpers import Client

# Every public endpoint, named on purpose. A new public page must be added here by hand.
PUBLIC = {
    "static",
    "auth.login",
    "auth.second_factor",
    "home.index",
    "home.set_language",
    "tablet.service_worker",
    # Certificates are checked by anyone: trainees, employers, offline verifiers.
    "verify.page",
    "verify.holder_pdf",
    "verify.api",
    "verify.jwks",
    "verify.revocation_list",
    "verify.lookup",
    "verify.bulk_check",
    "ops.healthz",  # for load balancers: says what is up, nothing more
}

# 培考分离: what belongs to setting and keeping papers is never for training institutions.
SEPARATED_PREFIXES = (
    "/bank",
    "/questions",
    "/papers",
    "/blueprints",
    "/answer",
    "/keys",
    "/admin",
    "/officer",
)

ROLES = ("admin", "officer", "proctor", "institution")
USERNAMES = {
    "admin": "admin1",
    "officer": "officer1",
    "proctor": "proctor1",
    "institution": "school1",
}


def _endpoints(app):  # type: ignore[no-untyped-def]
    return sorted({rule.endpoint: rule for rule in app.url_map.iter_rules()}.items())


def test_every_endpoint_declares_its_access(app):
    with app.app_context():
        undeclared = [endpoint for endpoint, _ in _endpoints(app) if access_of(endpoint) is None]
        public = {endpoint for endpoint, _ in _endpoints(app) if access_of(endpoint).public}
    assert undeclared == []
    assert public == PUBLIC


def test_training_institutions_reach_nothing_of_the_exam_side(app):
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith(SEPARATED_PREFIXES):
                access = access_of(rule.endpoint)
                assert not access.public, rule.rule
                assert "institution" not in access.roles, rule.rule


def test_an_undeclared_view_is_refused_at_runtime(app, world, client):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    client.login("school1", PASSWORD)
    assert client.get("/forgotten").status_code == 403
    assert type(client)(app).get("/forgotten").status_code == 403


def _get_rules(app):  # type: ignore[no-untyped-def]
    """GET routes with their URL filled in (ids of objects that exist: world's first user/org)."""
    for endpoint, rule in _endpoints(app):
        if "GET" not in rule.methods or endpoint in PUBLIC:
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        yield endpoint, re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", r"\1", path)  # <any(csv, xlsx):fmt> -> csv


@pytest.mark.parametrize("role", [None, *ROLES])
def test_access_matrix_for_every_page(app, world, role):
    client = Client(app)
    if role is not None:
        world.login(client, USERNAMES[role])
    checked = 0
    with app.app_context():
        pages = list(_get_rules(app))
    for endpoint, path in pages:
        response = client.get(path)
        with app.app_context():
            allowed = role in access_of(endpoint).roles
        if role is None:
            assert response.status_code == 302 and "/login" in response.location, path
        elif allowed:
            assert response.status_code in (200, 404), (path, response.status_code)
        else:
            assert response.status_code == 403, (path, role, response.status_code)
        checked += 1
    assert checked >= 8


def test_state_changing_routes_refuse_other_roles(app, world):
    client = Client(app)
    world.login(client, "school1")
    token = client.token("/institution")
    for path in (
        "/admin/users/new",
        "/admin/orgs/new",
        "/admin/users/1/password",
        "/admin/users/1/totp-reset",
    ):
        assert client.raw.post(path, data={"csrf_token": token}).status_code == 403, path
