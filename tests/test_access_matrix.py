"""The access matrix: every route × every kind of user × whose object it is, written out by hand.

MATRIX below names each (method, endpoint) of `app.url_map` once, with the URL it is probed at and
the status each actor must get. It is an independent statement of the rules, not read back from
the `@roles` declarations: a route added without a row, a row left for a removed route, or a
declaration that lets one more role in all fail here.

Actors: anonymous; an admin; an exam officer; a proctor assigned to the sitting and one of another
county assigned to nothing; the institution that owns the class and another institution. The
objects (class, sitting, enrollment, paper, certificate, ...) all belong to the first institution.

The walk has two passes. First every refusal, and CSRF: every state-changing route without a
token, by an actor who may use it; together they must not change anything (the audit trail, which
records every change, stays as long as it was). Then each allowed actor once, with an empty form:
the exact status says the request got past every access check into the view's own rules.
"""

from __future__ import annotations

from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session

from .access_rows import (
    CSRF_EXEMPT,
    DONE_OR_REFUSED,
    INVALID,
    LOGIN,
    REDISPLAY,
    UNPROCESSABLE,
    Row,
    admin,
    assigned,
    institutions,
    officer,
    own_job,
    owner,
    proctors,
    public,
    signed_in,
    staff,
)
from .access_scene import (  # noqa: F401 (scenario: a fixture)
    ACTORS,
    ADMIN,
    ANON,
    OFFICER,
    OTHER_SCHOOL,
    PROCTOR,
    PROCTOR_ELSEWHERE,
    SCHOOL,
    Scenario,
    scenario,
)

MATRIX: dict[tuple[str, str], Row] = {
    # public: certificates are checked by anyone; sign-in; language; health
    ("GET", "static"): public("/static/app.css"),
    ("GET", "home.index"): public("/", ok=302),
    ("POST", "home.set_language"): public("/lang", ok=302),
    ("GET", "auth.login"): public("/login", signed_in=302),
    ("POST", "auth.login"): public("/login", ok=REDISPLAY, signed_in=302),
    ("GET", "auth.second_factor"): public("/login/totp", ok=302),  # no password step: back to it
    ("POST", "auth.second_factor"): public("/login/totp", ok=302),
    ("GET", "ops.healthz"): public("/healthz"),
    ("GET", "metrics.scrape"): public("/metrics", ok=404),  # no token configured: not there for anyone
    ("GET", "tablet.service_worker"): public("/proctor/sittings/sw.js"),
    ("GET", "verify.page"): public("/v/{token}"),
    ("GET", "verify.holder_pdf"): public("/v/{token}/certificate.pdf"),
    ("POST", "verify.api"): public("/api/v1/verify", ok=INVALID),
    ("GET", "verify.openapi"): public("/api/openapi.json"),
    ("GET", "verify.jwks"): public("/.well-known/jwks.json"),
    ("GET", "verify.revocation_list"): public("/status/revocation", ok=308),
    ("GET", "verify.status_list"): public("/s/1"),
    ("GET", "wallet.credential"): public("/v/{token}/credential.jwt"),
    ("GET", "wallet.status_list_credential"): public("/s/vc/revocation"),
    ("GET", "verify.lookup"): public("/verify"),
    ("GET", "verify.robots"): public("/robots.txt"),
    ("POST", "verify.lookup"): public("/verify", ok=REDISPLAY),
    ("POST", "verify.bulk_check"): public("/verify/bulk", ok=INVALID),
    ("GET", "employer.upload_page"): public("/employer"),
    ("POST", "employer.upload"): public("/employer", ok=INVALID),
    ("POST", "employer.standing_xlsx"): public("/employer/standing.xlsx", ok=INVALID),
    ("POST", "employer.standing_pdf"): public("/employer/standing.pdf", ok=INVALID),
    ("GET", "lookup.form"): public("/lookup"),
    ("POST", "lookup.form"): public("/lookup", ok=REDISPLAY),  # blank fields: nothing looked up
    ("GET", "lookup.me"): public("/lookup/me", ok=302),  # nobody looked up: back to the form
    ("GET", "lookup.results_pdf"): public("/lookup/me/results.pdf", ok=302),
    ("GET", "lookup.ticket_pdf"): public("/lookup/me/tickets/1.pdf", ok=302),
    ("POST", "lookup.leave"): public("/lookup/leave", ok=302),
    # every signed-in user: own account
    ("GET", "auth.account"): signed_in("/account"),
    # everyone's own background jobs: the job is the officer's; to anyone else it does not exist
    ("GET", "jobs.job_list"): signed_in("/jobs"),
    ("GET", "jobs.job_page"): own_job("/jobs/{job}"),
    ("GET", "jobs.job_status"): own_job("/jobs/{job}.json"),
    ("GET", "jobs.job_file"): own_job("/jobs/{job}/file"),
    ("POST", "auth.account"): signed_in("/account", ok=REDISPLAY),
    ("POST", "auth.logout"): signed_in("/logout", ok=302),  # probed last: it ends the session
    # admin: users and organisations
    ("GET", "admin.home"): admin("/admin/"),
    ("GET", "admin.org_list"): admin("/admin/orgs"),
    ("GET", "admin.org_new"): admin("/admin/orgs/new"),
    ("POST", "admin.org_new"): admin("/admin/orgs/new", ok=REDISPLAY),
    ("GET", "admin.org_edit"): admin("/admin/orgs/{spare_org}"),
    ("POST", "admin.org_edit"): admin("/admin/orgs/{spare_org}", ok=DONE_OR_REFUSED),
    ("GET", "admin.user_list"): admin("/admin/users"),
    ("GET", "admin.user_new"): admin("/admin/users/new"),
    ("POST", "admin.user_new"): admin("/admin/users/new", ok=REDISPLAY),
    ("GET", "admin.user_edit"): admin("/admin/users/{user}"),
    ("POST", "admin.user_edit"): admin("/admin/users/{user}", ok=DONE_OR_REFUSED),
    ("POST", "admin.user_password"): admin("/admin/users/{user}/password", ok=DONE_OR_REFUSED),
    ("POST", "admin.user_totp_reset"): admin("/admin/users/{user}/totp-reset", ok=DONE_OR_REFUSED),
    ("POST", "admin.user_throttle_clear"): admin("/admin/users/{user}/throttle-clear", ok=DONE_OR_REFUSED),
    # officers and admins: the audit trail
    ("GET", "audit.search"): staff("/audit/"),
    ("GET", "audit.verify"): staff("/audit/verify"),
    ("POST", "audit.verify"): staff("/audit/verify", ok=REDISPLAY),
    ("GET", "audit.download_checkpoint"): staff("/audit/checkpoint.jwt"),
    # officers: the bank (never institutions: 培考分离)
    ("GET", "bank.question_list"): officer("/bank/"),
    ("GET", "bank.stats"): officer("/bank/stats"),
    ("GET", "bank.question_view"): officer("/bank/questions/{question}"),
    ("GET", "bank.question_edit"): officer("/bank/questions/{question}/edit"),
    ("POST", "bank.question_edit"): officer("/bank/questions/{question}/edit", ok=REDISPLAY),
    ("POST", "bank.question_status"): officer("/bank/questions/{question}/status", ok=DONE_OR_REFUSED),
    ("GET", "bank_review.queue"): officer("/bank/review/"),
    ("POST", "bank_review.decide"): officer("/bank/review/items/{review_item}/dismiss", ok=DONE_OR_REFUSED),
    ("GET", "bank_review.revise_item"): officer("/bank/review/items/{review_item}/revise"),
    ("POST", "bank_review.revise_item"): officer("/bank/review/items/{review_item}/revise", ok=REDISPLAY),
    ("POST", "bank_review.decide_version"): officer(
        "/bank/review/versions/{version}/approve", ok=DONE_OR_REFUSED
    ),
    ("GET", "itemstats.overview"): officer("/officer/stats/"),
    ("POST", "itemstats.measure"): officer("/officer/stats/sittings/{first}/measure", ok=DONE_OR_REFUSED),
    ("GET", "itemstats.sitting_stats"): officer("/officer/stats/sittings/{first}"),
    ("GET", "itemstats.sitting_export"): officer("/officer/stats/sittings/{first}.csv"),
    ("GET", "itemstats.question_stats"): officer("/officer/stats/questions/{question}"),
    # officers: classes, papers, sittings, certificates
    ("GET", "home.officer"): officer("/officer"),
    ("GET", "review.class_list"): officer("/officer/classes/"),
    ("GET", "review.class_view"): officer("/officer/classes/{class}"),
    ("POST", "review.class_approve"): officer("/officer/classes/{class}/approve", ok=DONE_OR_REFUSED),
    ("POST", "review.class_return"): officer("/officer/classes/{class}/return", ok=UNPROCESSABLE),
    ("GET", "review.roster_download"): officer("/officer/classes/{class}/roster.csv"),
    ("GET", "papers.blueprints"): officer("/officer/blueprints"),
    ("POST", "papers.blueprints"): officer("/officer/blueprints", ok=REDISPLAY),
    ("POST", "papers.generate"): officer("/officer/classes/{class}/papers", ok=DONE_OR_REFUSED),
    ("POST", "papers.print_paper"): officer("/officer/papers/{paper}/pdf", ok=DONE_OR_REFUSED),
    ("POST", "sittings.schedule"): officer("/officer/classes/{class}/sittings", ok=DONE_OR_REFUSED),
    ("GET", "sittings.assign"): officer("/officer/sittings/{retake}/proctors"),
    ("POST", "sittings.assign"): officer("/officer/sittings/{retake}/proctors", ok=UNPROCESSABLE),
    ("POST", "sittings.publish"): officer("/officer/sittings/{retake}/publish", ok=DONE_OR_REFUSED),
    ("POST", "sittings.reschedule"): officer("/officer/sittings/{retake}/reschedule", ok=DONE_OR_REFUSED),
    ("POST", "sittings.cancel"): officer("/officer/sittings/{retake}/cancel", ok=DONE_OR_REFUSED),
    ("GET", "moves.move_page"): officer("/officer/enrollments/{candidate}/move"),
    ("POST", "moves.move_page"): officer("/officer/enrollments/{candidate}/move", ok=UNPROCESSABLE),
    ("POST", "sittings.approve_correction"): officer(
        "/officer/sittings/{first}/corrections/{correction}/approve", ok=DONE_OR_REFUSED
    ),
    ("POST", "sittings.reject_correction"): officer(
        "/officer/sittings/{first}/corrections/{correction}/reject", ok=DONE_OR_REFUSED
    ),
    ("GET", "sittings.results_page"): officer("/officer/sittings/{first}/results"),
    ("POST", "sittings.correct"): officer(
        "/officer/sittings/{first}/attempts/{attempt}/correct", ok=DONE_OR_REFUSED
    ),
    ("POST", "certificates.class_certificates_file"): officer(
        "/officer/classes/{class}/certificates/zip", ok=DONE_OR_REFUSED
    ),
    ("POST", "certificates.revoke"): officer(
        "/officer/certificates/{certificate}/revoke", ok=DONE_OR_REFUSED
    ),
    ("POST", "certificates.suspend"): officer(
        "/officer/certificates/{certificate}/suspend", ok=DONE_OR_REFUSED
    ),
    ("POST", "certificates.reinstate"): officer(
        "/officer/certificates/{certificate}/reinstate", ok=DONE_OR_REFUSED
    ),
    ("POST", "certificates.revoke_class"): officer(
        "/officer/classes/{class}/certificates/revoke", ok=DONE_OR_REFUSED
    ),
    ("GET", "trainees.trainee_list"): officer("/officer/trainees/"),
    ("GET", "enterprises.enterprise_list"): officer("/officer/enterprises/"),
    ("GET", "trainees.trainee_view"): officer("/officer/trainees/{trainee}"),
    ("GET", "trainees.identity_changes_page"): officer("/officer/trainees/changes"),
    ("POST", "trainees.approve_change"): officer(
        "/officer/trainees/changes/{change}/approve", ok=DONE_OR_REFUSED
    ),
    ("POST", "trainees.reject_change"): officer(
        "/officer/trainees/changes/{change}/reject", ok=DONE_OR_REFUSED
    ),
    # officers: oversight
    ("GET", "oversight.dashboard"): officer("/officer/coverage/"),
    ("POST", "oversight.save_targets"): officer("/officer/coverage/targets", ok=DONE_OR_REFUSED),
    ("GET", "oversight.payment_summary"): officer("/officer/coverage/payment"),
    ("GET", "oversight.payment_of_class"): officer("/officer/coverage/payment/classes/{class}.csv"),
    ("GET", "institutions.overview"): officer("/officer/institutions/"),
    ("GET", "institutions.answer_patterns"): officer("/officer/institutions/{institution}/patterns"),
    ("POST", "institutions.suspend_institution"): officer(
        "/officer/institutions/{other_institution}/suspend", ok=UNPROCESSABLE
    ),
    ("POST", "institutions.lift_suspension"): officer(
        "/officer/institutions/{other_institution}/lift", ok=UNPROCESSABLE
    ),
    ("POST", "files.class_download"): officer("/officer/files/class/{class}/zip", ok=DONE_OR_REFUSED),
    ("POST", "files.trainee_download"): officer("/officer/files/trainee/{trainee}/zip", ok=DONE_OR_REFUSED),
    ("POST", "files.employer_download"): officer(
        "/officer/files/employer/{employer}/zip", ok=DONE_OR_REFUSED
    ),
    ("GET", "enterprises.staff"): officer("/officer/enterprises/{employer}/staff"),
    ("GET", "enterprises.staff_xlsx"): officer("/officer/enterprises/{employer}/staff.xlsx"),
    ("GET", "result_sheets.officer_class"): officer("/officer/classes/{class}/results.pdf"),
    # proctors: their sittings only
    ("GET", "home.proctor"): proctors("/proctor"),
    ("GET", "tablet.sitting"): assigned("/proctor/sittings/{retake}"),
    ("POST", "tablet.paper"): assigned("/proctor/sittings/{retake}/paper", ok=DONE_OR_REFUSED),
    ("POST", "tablet.check_in"): assigned(
        "/proctor/sittings/{retake}/candidates/{candidate}/check-in", ok=DONE_OR_REFUSED
    ),
    ("POST", "tablet.result"): assigned(
        "/proctor/sittings/{retake}/candidates/{candidate}/result", ok=DONE_OR_REFUSED
    ),
    ("POST", "tablet.confirm"): assigned(
        "/proctor/sittings/{retake}/candidates/{candidate}/confirm", ok=DONE_OR_REFUSED
    ),
    ("POST", "tablet.lock"): assigned("/proctor/sittings/{retake}/lock", ok=DONE_OR_REFUSED),
    ("POST", "photos.take"): assigned("/proctor/sittings/{retake}/candidates/{candidate}/photo", ok=INVALID),
    ("GET", "photos.show"): assigned("/proctor/sittings/{retake}/candidates/{candidate}/photo/roster.jpg"),
    ("GET", "scans.batch"): assigned("/proctor/sittings/{retake}/scans"),
    ("POST", "scans.upload"): assigned("/proctor/sittings/{retake}/scans/upload", ok=DONE_OR_REFUSED),
    ("POST", "scans.camera"): assigned("/proctor/sittings/{retake}/scans", ok=INVALID),
    ("GET", "scans.scan_page"): assigned("/proctor/sittings/{retake}/scans/{scan}"),
    ("GET", "scans.image"): assigned("/proctor/sittings/{retake}/scans/{scan}/page.jpg"),
    ("GET", "scans.question"): assigned("/proctor/sittings/{retake}/scans/{scan}/questions/1.png"),
    ("POST", "scans.decide"): assigned("/proctor/sittings/{retake}/scans/{scan}/decide", ok=DONE_OR_REFUSED),
    ("POST", "scans.discard"): assigned(
        "/proctor/sittings/{retake}/scans/{scan}/discard", ok=DONE_OR_REFUSED
    ),
    ("POST", "scans.read_again"): assigned(
        "/proctor/sittings/{retake}/scans/{scan}/again", ok=DONE_OR_REFUSED
    ),
    ("POST", "tickets.officer_tickets"): officer(
        "/officer/sittings/{retake}/tickets.pdf", ok=DONE_OR_REFUSED
    ),
    ("POST", "tickets.institution_tickets"): owner(
        "/institution/classes/{class}/tickets/retake.pdf", ok=DONE_OR_REFUSED
    ),
    # institutions: their own classes only
    ("GET", "home.institution"): institutions("/institution"),
    ("GET", "inst_classes.class_list"): institutions("/institution/classes/"),
    ("GET", "inst_classes.class_new"): institutions("/institution/classes/new"),
    ("POST", "inst_classes.class_new"): institutions("/institution/classes/new", ok=REDISPLAY),
    ("GET", "inst_classes.roster_template"): institutions("/institution/classes/roster-template.csv"),
    ("GET", "inst_classes.class_view"): owner("/institution/classes/{class}"),
    ("GET", "inst_classes.class_edit"): owner("/institution/classes/{class}/edit"),
    ("POST", "inst_classes.class_edit"): owner("/institution/classes/{class}/edit", ok=REDISPLAY),
    ("POST", "inst_classes.class_submit"): owner("/institution/classes/{class}/submit", ok=DONE_OR_REFUSED),
    ("POST", "inst_classes.roster_upload"): owner("/institution/classes/{class}/roster", ok=UNPROCESSABLE),
    ("GET", "inst_classes.roster_download"): owner("/institution/classes/{class}/roster.csv"),
    ("GET", "result_sheets.institution_class"): owner("/institution/classes/{class}/results.pdf"),
    ("POST", "inst_classes.trainee_add"): owner("/institution/classes/{class}/trainees", ok=UNPROCESSABLE),
    ("POST", "inst_classes.enrollment_delete"): owner(
        "/institution/classes/{class}/enrollments/{candidate}/delete", ok=DONE_OR_REFUSED
    ),
    ("POST", "inst_classes.enrollment_hours"): owner(
        "/institution/classes/{class}/enrollments/{candidate}/hours", ok=DONE_OR_REFUSED
    ),
    ("POST", "roster_photos.upload"): owner(
        "/institution/classes/{class}/enrollments/{candidate}/photo", ok=DONE_OR_REFUSED
    ),
    ("GET", "roster_photos.roster_photo"): owner(
        "/institution/classes/{class}/enrollments/{candidate}/photo.jpg"
    ),
}


def _request(scene: Scenario, actor: str, method: str, path: str, csrf: bool = True):  # type: ignore[no-untyped-def]
    client = scene.clients[actor].raw
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": scene.tokens[actor]} if csrf else {})


def _outcome(response) -> int:  # type: ignore[no-untyped-def]
    sent_to_sign_in = response.status_code == 302 and response.location.split("?")[0].endswith("/login")
    return LOGIN if sent_to_sign_in or response.status_code == 401 else response.status_code


def _audit_length(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(AuditEvent))


def _routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row_and_every_row_a_route(app):
    routes = _routes(app)
    assert sorted(routes - MATRIX.keys()) == [], "a route without a row in MATRIX: add one"
    assert sorted(MATRIX.keys() - routes) == [], "a row for a route that no longer exists"


def test_every_row_is_probed_at_its_own_route(app):
    adapter = app.url_map.bind("localhost")
    for (method, endpoint), row in MATRIX.items():
        path = row.path.replace("{token}", "x").format_map(_AnyId())
        assert adapter.match(path, method=method)[0] == endpoint, (method, endpoint, path)


class _AnyId(dict):
    def __missing__(self, key: str) -> str:
        return "7"


def test_the_access_matrix(app, scenario):  # noqa: F811 (the fixture)
    denials: list[tuple[str, str, str, int, int]] = []
    before = _audit_length(app)
    for (method, endpoint), row in sorted(MATRIX.items()):
        path = row.path.format_map(scenario.ids)
        for actor in ACTORS:
            expected = row.expected(actor)
            if expected in (LOGIN, 403, 404):
                got = _outcome(_request(scenario, actor, method, path))
                if got != expected:
                    denials.append((method, path, actor, expected, got))
        if method == "POST" and (method, endpoint) not in CSRF_EXEMPT:
            actor = ANON if row.public else next(iter(row.allowed))
            got = _request(scenario, actor, method, path, csrf=False).status_code
            if got != 400:
                denials.append((method, path, actor + " without CSRF token", 400, got))
    assert denials == [], "\n".join(map(str, denials))
    assert _audit_length(app) == before, "a refused request changed something"

    wrong: list[tuple[str, str, str, int, int]] = []
    rows = sorted(MATRIX.items(), key=lambda item: item[0] == ("POST", "auth.logout"))
    for (method, _endpoint), row in rows:
        path = row.path.format_map(scenario.ids)
        for actor in ACTORS:
            expected = row.expected(actor)
            if expected in (LOGIN, 403, 404):
                continue
            got = _request(scenario, actor, method, path).status_code
            if got != expected:
                wrong.append((method, path, actor, expected, got))
    assert wrong == [], "\n".join(map(str, wrong))
