"""An employer's staff standing at /employer: a sheet of names and certificate numbers in, each
person's standing out, on screen and as XLSX and PDF (standing.py). No account, nothing stored.

The upload is counted and bounded as /verify/bulk's is, and shares its counters, so that neither
page doubles the other's allowance. The result page carries the checked rows signed (standing.seal);
a download checks the signature and the rows again, never trusting a status sent back to it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..audit.service import SYSTEM, record
from ..classes.pages import spreadsheet
from ..classes.roster import RowProblem
from ..core.db import BEIJING, db_session
from ..core.msgid import N_
from ..core.pdf import PdfError, render_pdf
from ..core.sheets import SheetError, read_sheet
from ..orgs.service import bureau_name
from ..web.access import public
from ..web.viewutil import clock_now
from . import bulk, standing
from .standing import BadSeal, Standing

bp = Blueprint("employer", __name__)
SEAL_MAX_AGE = 3600  # seconds a result page's downloads keep working
# Shown on the employer's page and the bureau's (oversight/enterprise_views.py).
STATUS_LABELS = {
    "valid": _l("VALID"),
    "expiring": _l("EXPIRING SOON"),
    "expired": _l("EXPIRED"),
    "revoked": _l("REVOKED"),
    "suspended": _l("SUSPENDED"),
    "not_genuine": _l("NOT GENUINE"),
    "not_found": _l("NOT FOUND"),
    "no_certificate": _l("NO CERTIFICATE"),
}
STATUS_BADGES = {
    "valid": "status-approved",
    "expiring": "status-submitted",
    "revoked": "status-returned",
    "suspended": "status-returned",
    "not_genuine": "status-returned",
}


class StaffForm(FlaskForm):
    sheet = FileField(_l("Staff list (.csv or .xlsx)"), validators=[FileRequired()])


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


def _client() -> str:
    return request.remote_addr or "unknown"


@bp.after_request
def _not_for_search_engines(response):  # type: ignore[no-untyped-def]
    """The results name people: never indexed (as the verify pages)."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    return response


def _page(form: StaffForm, code: int = 200, **context: object):  # type: ignore[no-untyped-def]
    cfg = _config()
    context.setdefault("problems", [])
    page = render_template(
        "public/employer.html",
        form=form,
        expiring_days=cfg.employer_expiring_days,
        max_rows=bulk.MAX_ROWS,
        labels=STATUS_LABELS,
        badges=STATUS_BADGES,
        **context,
    )
    return page, code


def _limited(form: StaffForm, limit: str, window_seconds: int):  # type: ignore[no-untyped-def]
    page, code = _page(form, 429, notice=limit)
    return page, code, {"Retry-After": str(window_seconds)}


@bp.route("/employer")
@public
def upload_page():  # type: ignore[no-untyped-def]
    return _page(StaffForm())


def _read(form: StaffForm) -> tuple[list[bulk.Query], list[RowProblem]]:
    upload = form.sheet.data
    try:  # one byte past the limit is enough to refuse the file, naming the limit
        cells = read_sheet(
            upload.read(bulk.BULK_LIMITS.max_bytes + 1), upload.filename or "", bulk.BULK_LIMITS
        )
    except SheetError as exc:
        return [], [RowProblem(0, "", str(exc), tuple(exc.params.items()))]
    queries, problems = bulk.parse(cells)
    if not queries and not problems:  # the header alone
        problems = [RowProblem(0, "", N_("the file has no rows to check"))]
    return queries, problems


@bp.route("/employer", methods=["POST"])
@public
def upload():  # type: ignore[no-untyped-def]
    form = StaffForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    s, limiter, cfg = db_session(), current_app.extensions["examsvc.limiter"], _config()
    # Charged before the file is read: a client past its limit costs no parsing at all.
    if not limiter.hit(s, "bulk-files", _client(), 1, cfg.verify_bulk_files_per_hour, 3600):
        limit = _("At most %(max)d files per hour from one address.", max=cfg.verify_bulk_files_per_hour)
        return _limited(form, limit, 3600)
    queries, problems = _read(form)
    if problems:
        return _page(form, 422, problems=problems)  # nothing checked
    if not limiter.hit(s, "bulk-rows", _client(), len(queries), cfg.verify_bulk_rows_per_day, 86400):
        limit = _("At most %(max)d rows per day from one address.", max=cfg.verify_bulk_rows_per_day)
        return _limited(form, limit, 86400)
    now = clock_now()
    standings = standing.check(s, cfg.resolved_key_dir(), queries, now, cfg.employer_expiring_days)
    counts = Counter(x.status for x in standings)
    record(s, SYSTEM, "certificate.standing_check", "client", _client(), {"rows": len(standings), **counts})
    s.commit()
    return _page(
        StaffForm(formdata=None),
        standings=standings,
        summary=standing.summary(standings),
        sealed=standing.seal(queries, current_app.config["SECRET_KEY"], now),
        checked_at=now,
    )


def _recomputed() -> tuple[list[Standing], datetime] | None:
    """The signed rows of a result page, checked again now; None if they are not ours or too old."""
    now = clock_now()
    try:
        queries = standing.unseal(
            request.form.get("rows", ""), current_app.config["SECRET_KEY"], now, SEAL_MAX_AGE
        )
    except BadSeal:
        return None
    cfg = _config()
    return standing.check(db_session(), cfg.resolved_key_dir(), queries, now, cfg.employer_expiring_days), now


def _refusal():  # type: ignore[no-untyped-def]
    """Why a download is refused (the upload page, to start again), or None. Counted like a file
    before the rows are read: each download checks every row again, and may run the PDF renderer."""
    cfg = _config()
    limiter = current_app.extensions["examsvc.limiter"]
    if not limiter.hit(db_session(), "bulk-downloads", _client(), 1, cfg.verify_bulk_files_per_hour, 3600):
        limit = _("At most %(max)d downloads per hour from one address.", max=cfg.verify_bulk_files_per_hour)
        return _limited(StaffForm(), limit, 3600)
    return None


def _stale():  # type: ignore[no-untyped-def]
    return _page(
        StaffForm(), 400, notice=_("The checked list is too old or was altered. Upload the sheet again.")
    )


def _download(make):  # type: ignore[no-untyped-def]
    """`make(standings, now)` of the signed rows checked again, once the download is counted."""
    refused = _refusal()
    if refused is not None:
        return refused
    found = _recomputed()
    return _stale() if found is None else make(*found)


@bp.route("/employer/standing.xlsx", methods=["POST"])
@public
def standing_xlsx():  # type: ignore[no-untyped-def]
    def xlsx(standings: list[Standing], now: datetime) -> Response:
        name = f"staff-standing-{now.astimezone(BEIJING).date().isoformat()}"
        return spreadsheet(standing.filed_rows(standings), "xlsx", name)

    return _download(xlsx)


@bp.route("/employer/standing.pdf", methods=["POST"])
@public
def standing_pdf():  # type: ignore[no-untyped-def]
    return _download(_pdf)


def _pdf(standings: list[Standing], now: datetime):  # type: ignore[no-untyped-def]
    day = now.astimezone(BEIJING).date().isoformat()
    html = render_template(
        "pdf/standing.html",
        heading="从业人员持证情况",
        subject=f"用人单位自查 · {day}",
        bureau=bureau_name(db_session()),
        summary=[(standing.STATUS_ZH[k], n) for k, n in standing.summary(standings)],
        rows=standing.filed_rows(standings),
        expiring_days=_config().employer_expiring_days,
    )
    try:
        pdf = render_pdf(html)
    except PdfError:
        current_app.logger.exception("staff standing PDF failed")  # names no one (errors.py)
        message = _("The PDF could not be made.")
        return render_template("errors/error.html", code=503, message=message), 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=staff-standing-{day}.pdf"},
    )
