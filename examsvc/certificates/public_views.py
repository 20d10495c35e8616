"""Public verification: the QR page, the JSON API, the keys and the revocation list.

Nothing here needs an account, and nothing here writes but a rate-limit counter and, when the
statuses changed or the list nears its expiry, the newly signed status list (status.py).
"""

from __future__ import annotations

from collections import Counter

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..audit.service import SYSTEM, record
from ..classes.roster import RowProblem, csv_bytes
from ..core.db import db_session, utcnow
from ..core.pdf import PdfError
from ..core.sheets import SheetError, read_sheet
from ..core.signing_keys import CERTIFICATE, STATUS, now, published, to_publish
from ..core.text import storable
from ..orgs.service import bureau_code, bureau_name
from ..web.access import public
from ..web.extensions import csrf
from . import bulk, revocations, status
from .models import Certificate
from .pdf import certificates_pdf
from .problems import language, problem
from .verification import TOKEN_MAX, Verdict, stamp, token_of, verdict_by_number, verdict_of_token

bp = Blueprint("verify", __name__)
CORS_ENDPOINTS = frozenset({"verify.api", "verify.jwks", "verify.status_list", "verify.openapi"})
CORS_HEADERS = {  # also sent by fast_verify.py
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept-Language, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Retry-After, Content-Language",
    "Access-Control-Max-Age": "600",
}
# Pages that name people: the certificate's, the checks', the trainee's own and the employer's.
ROBOTS_DISALLOW = ("/v/", "/verify", "/api/", "/status/", "/s/", "/lookup", "/employer")
COUNTED = "examsvc.verify_counted"  # set by fast_verify.py; a WSGI environ key no client can set


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


def allowed(cost: int = 1) -> bool:
    """Counts this client's look-ups; False past the limit (then the caller answers 429)."""
    if request.environ.get(COUNTED):  # by fast_verify.py, which then passed the look-up on
        return True
    limiter = current_app.extensions["examsvc.limiter"]  # the counter: all a public look-up writes
    return limiter.hit(
        db_session(), "verify", request.remote_addr or "unknown", cost, _config().verify_limit_per_minute, 60
    )


API_BODY_MAX = 8 * TOKEN_MAX  # bytes: a token, or a number and a name, with room for a wrong one


def verdict_of(token: str) -> Verdict:
    token = token_of(token)  # a pasted verification URL names its token
    if len(token) > TOKEN_MAX:
        return Verdict("not_genuine")
    return verdict_of_token(db_session(), token, _config().resolved_key_dir(), utcnow())


@bp.after_request
def _not_for_search_engines(response):  # type: ignore[no-untyped-def]
    """Certificate pages, verification results and their PDFs name people: never indexed, whatever
    a crawler makes of robots.txt. The machine-readable endpoints may be called from any web page
    (an employer's HR system in the browser): they use no cookie, so any origin may read them."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    if request.endpoint in CORS_ENDPOINTS:
        response.headers.update(CORS_HEADERS)
    return response


@bp.route("/robots.txt")
@public
def robots():  # type: ignore[no-untyped-def]
    lines = ["User-agent: *", *(f"Disallow: {p}" for p in ROBOTS_DISALLOW)]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/v/<token>")
@public
def page(token: str):  # type: ignore[no-untyped-def]
    if not allowed():
        return render_template("public/verify.html", verdict=None, limited=True), 429
    verdict = verdict_of(token)
    return render_template(
        "public/verify.html", verdict=verdict, token=token, bureau=bureau_name(db_session()), limited=False
    )


@bp.route("/v/<token>/certificate.pdf")
@public
def holder_pdf(token: str):  # type: ignore[no-untyped-def]
    """The e-certificate a trainee keeps on their phone: only while it is valid (masked ID number)."""
    if not allowed():
        abort(429)
    verdict = verdict_of(token)
    if verdict.status != "valid" or verdict.certificate is None:
        abort(404)
    try:
        cfg = _config()
        pdf = certificates_pdf(
            [verdict.certificate],
            bureau_name(db_session()),
            cfg.base_url,
            public=True,
            key_dir=cfg.resolved_key_dir(),
            tsa_url=cfg.doc_tsa_url or None,
        )
    except PdfError:
        current_app.logger.exception("holder certificate PDF failed")  # names no token (errors.py)
        message = _("The PDF could not be made.")
        return render_template("errors/error.html", code=503, message=message), 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={verdict.certificate.number}.pdf"},
    )


def _problem(slug: str, **params: int) -> Response:
    body, code, headers = problem(slug, language(request.headers.get("Accept-Language")), **params)
    response = Response(body, status=code, headers=headers)
    if code == 429:
        response.headers["Retry-After"] = "60"  # the look-up window is a minute
    return response


def too_many_lookups() -> Response:
    return _problem("too-many-requests", limit=_config().verify_limit_per_minute)


@bp.route("/api/v1/verify", methods=["POST"])
@public
@csrf.exempt  # a JSON API for scripts: no cookie, no session, nothing to forge
def api():  # type: ignore[no-untyped-def]
    # Counted and bounded before the body is read: a client past its limit costs no parsing, and
    # no body bigger than a token and a name is parsed at all.
    if not allowed():  # with Redis, a genuine token is answered before Flask (fast_verify.py)
        return too_many_lookups()
    if request.content_length is None or request.content_length > API_BODY_MAX:
        return _problem("body-too-large", limit=API_BODY_MAX)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _problem("bad-request")
    token, number, name = (str(body.get(k) or "") for k in ("token", "number", "name"))
    if not all(storable(v) for v in (token, number, name)):
        return _problem("unstorable-text")
    if token:
        verdict = verdict_of(token)
        if verdict.certificate is not None:  # the database holds this very token
            _remember_issued(verdict.certificate)
    elif number and name:
        verdict = verdict_by_number(db_session(), number, name, _config().resolved_key_dir(), utcnow())
    else:
        return _problem("bad-request")
    return jsonify({**stamp(utcnow(), status.listed_at(db_session())), **verdict.as_json()})


def _remember_issued(cert: Certificate) -> None:
    """So that the fast path (fast_verify.py) answers this token's next look-ups itself."""
    redis = current_app.extensions["examsvc.limiter"].redis
    if redis is None:
        return
    try:
        revocations.remember_issued(
            redis, current_app.extensions["examsvc.mirror"], cert.token, cert.number, cert.issued_at
        )
    except Exception:  # noqa: BLE001 - the database keeps answering this token: slower, never wrong
        current_app.logger.warning("revocation mirror: could not remember an issued token")


@bp.route("/api/openapi.json")
@public
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI document of the JSON endpoints (tests/test_openapi.py keeps it true to url_map)."""
    response = current_app.send_static_file("openapi.json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/.well-known/jwks.json")
@public
def jwks():  # type: ignore[no-untyped-def]
    """The certificate and status keys a verifier needs: the signing ones, the next ones (published
    before they sign), and retired ones while a certificate they signed is unexpired (or, for the
    status key, while a list it signed may still be cached)."""
    key_dir, at, s = _config().resolved_key_dir(), now(), db_session()
    certificate_keys = published(key_dir, CERTIFICATE)
    live = {key.kid for key in certificate_keys if _signed_unexpired(s, key.kid)}  # a few index probes
    keys = to_publish(certificate_keys, at, live)
    keys += to_publish(published(key_dir, STATUS), at, set(), status.LIFETIME.total_seconds())
    response = jsonify({"keys": [key.jwk() for key in keys]})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _signed_unexpired(session, kid: str) -> bool:  # type: ignore[no-untyped-def]
    probe = select(Certificate.id).where(Certificate.kid == kid, Certificate.expires_at > utcnow()).limit(1)
    return session.scalar(probe) is not None


def current_status_list() -> status.SignedList:
    """The Status List Token now, signed and stored if it had to be (committed here)."""
    s, cfg = db_session(), _config()

    def signed() -> status.SignedList:
        key_dir, ttl = cfg.resolved_key_dir(), cfg.status_list_ttl_seconds
        return status.signed_list(s, key_dir, cfg.base_url, bureau_code(s), utcnow(), ttl)

    try:
        found = signed()
        s.commit()
    except IntegrityError:  # another worker stored the first one at the same moment: serve that
        s.rollback()
        found = signed()
    return found


@bp.route("/s/<int:list_id>")
@public
def status_list(list_id: int):  # type: ignore[no-untyped-def]
    """The Status List Token (draft-ietf-oauth-status-list §8): signed only when it changes or
    nears its expiry (status.py); cacheable for its `ttl`, and answered 304 to a matching ETag."""
    if list_id != status.LIST_ID:
        abort(404)
    signed, cfg = current_status_list(), _config()
    response = Response(signed.token, mimetype=status.MEDIA_TYPE)
    response.set_etag(signed.etag.strip('"'))
    response.headers["Cache-Control"] = f"public, max-age={cfg.status_list_ttl_seconds}"
    response.last_modified = signed.issued_at
    return response.make_conditional(request)


@bp.route("/status/revocation")
@public
def revocation_list():  # type: ignore[no-untyped-def]
    """Where the list lived before the IETF format: verifiers are sent to the list itself."""
    return redirect(url_for(".status_list", list_id=status.LIST_ID), code=308)


class LookupForm(FlaskForm):
    number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])


class BulkForm(FlaskForm):
    sheet = FileField(_l("Employees (.csv or .xlsx)"), validators=[FileRequired()])


@bp.route("/verify", methods=["GET", "POST"])
@public
def lookup():  # type: ignore[no-untyped-def]
    """By number and name, for someone holding a printed certificate without a phone to scan it."""
    form = LookupForm()
    if form.validate_on_submit():
        if not allowed():
            return render_template("public/verify.html", verdict=None, limited=True), 429
        verdict = verdict_by_number(
            db_session(), form.number.data, form.name.data, _config().resolved_key_dir(), utcnow()
        )
        token = verdict.certificate.token if verdict.certificate else ""
        return render_template(
            "public/verify.html",
            verdict=verdict,
            token=token,
            bureau=bureau_name(db_session()),
            limited=False,
        )
    return render_template("public/lookup.html", form=form, bulk_form=BulkForm())


def _bulk_limited(limit: str, window_seconds: int):  # type: ignore[no-untyped-def]
    page = render_template("public/verify.html", verdict=None, limited=True, limit=limit)
    return page, 429, {"Retry-After": str(window_seconds)}


@bp.route("/verify/bulk", methods=["POST"])
@public
def bulk_check():  # type: ignore[no-untyped-def]
    """An employer's whole workforce at once; answers a CSV, or the page with every problem."""
    form = BulkForm()
    if not form.validate_on_submit():
        return render_template("public/lookup.html", form=LookupForm(), bulk_form=form), 400
    s, limiter, cfg = db_session(), current_app.extensions["examsvc.limiter"], _config()
    client = request.remote_addr or "unknown"
    # Charged before the file is read: a client past its limit costs no parsing at all.
    if not limiter.hit(s, "bulk-files", client, 1, cfg.verify_bulk_files_per_hour, 3600):
        limit = _("At most %(max)d files per hour from one address.", max=cfg.verify_bulk_files_per_hour)
        return _bulk_limited(limit, 3600)
    upload = form.sheet.data
    try:  # one byte past the limit is enough to refuse the file, naming the limit
        cells = read_sheet(
            upload.read(bulk.BULK_LIMITS.max_bytes + 1), upload.filename or "", bulk.BULK_LIMITS
        )
    except SheetError as exc:
        problems = [RowProblem(0, "", str(exc), tuple(exc.params.items()))]
    else:
        queries, problems = bulk.parse(cells)
    if problems:
        return render_template(
            "public/lookup.html", form=LookupForm(), bulk_form=form, problems=problems
        ), 422
    if not limiter.hit(s, "bulk-rows", client, len(queries), cfg.verify_bulk_rows_per_day, 86400):
        limit = _("At most %(max)d rows per day from one address.", max=cfg.verify_bulk_rows_per_day)
        return _bulk_limited(limit, 86400)
    answers = bulk.check(s, cfg.resolved_key_dir(), queries, utcnow())
    statuses = Counter(a.status for a in answers)
    record(s, SYSTEM, "certificate.bulk_check", "client", client, {"rows": len(answers), **statuses})
    s.commit()
    header = ["行号 row", "姓名 name", "证书编号 number", "状态 status", "本年度有效学时 hours"]
    rows = [[a.row, a.name, a.number, a.status, a.valid_hours_this_year] for a in answers]
    return Response(
        csv_bytes([header, *rows]),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=certificate-check.csv"},
    )
