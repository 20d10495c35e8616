"""Deny by default: every endpoint declares who may use it, and the declaration holds at runtime.

Later capabilities add their bank, paper and answer-key routes to SEPARATED_PREFIXES' reach
automatically: any route under those prefixes that lets an institution in fails here. What each
kind of user actually gets from each route, object by object, is tests/test_access_matrix.py.
"""

from __future__ import annotations

from examsvc.web.access import access_of

from .conftest import PASSWORD

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
    "verify.robots",
    "verify.holder_pdf",
    "verify.api",
    "verify.jwks",
    "verify.revocation_list",
    "verify.status_list",
    "wallet.credential",
    "wallet.status_list_credential",
    "verify.openapi",  # the OpenAPI document of the JSON endpoints
    "verify.lookup",
    "verify.bulk_check",
    "employer.upload_page",  # an employer's staff standing (/employer)
    "employer.upload",
    "employer.standing_xlsx",
    "employer.standing_pdf",
    "lookup.form",  # a trainee's own record (/lookup): ID number, name and a factor they hold
    "lookup.me",
    "lookup.results_pdf",
    "lookup.ticket_pdf",
    "lookup.leave",
    "ops.healthz",  # for load balancers: says what is up, nothing more
    "metrics.scrape",  # Prometheus: 404 unless EXAMSVC_METRICS_TOKEN is set, then only with it
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
