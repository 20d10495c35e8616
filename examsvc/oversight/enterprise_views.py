"""Officers: one enterprise's staff and their standing (一企一册), on screen and as XLSX."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from ..certificates.employer_views import STATUS_BADGES, STATUS_LABELS
from ..certificates.standing import filed_rows, summary
from ..classes.pages import spreadsheet
from ..core.db import db_session
from ..orgs.models import Organisation
from ..web.access import roles
from ..web.viewutil import clock_now, get_or_404
from .enterprise import StaffLine, staff_counts, staff_standing

bp = Blueprint("enterprises", __name__, url_prefix="/officer/enterprises")


def _employer(org_id: int) -> Organisation:
    """Deny by default: an id that is not an enterprise's is not found."""
    org = get_or_404(Organisation, org_id)
    if org.kind != "employer":
        abort(404)
    return org


def _lines(org: Organisation) -> list[StaffLine]:
    cfg = current_app.config["EXAMSVC"]
    return staff_standing(db_session(), org, cfg.resolved_key_dir(), clock_now(), cfg.employer_expiring_days)


@bp.route("/")
@roles("officer")
def enterprise_list():  # type: ignore[no-untyped-def]
    """Every enterprise on record with its staff count: where the bureau opens one's book."""
    return render_template("officer/enterprises.html", enterprises=staff_counts(db_session()))


@bp.route("/<int:org_id>/staff")
@roles("officer")
def staff(org_id: int):  # type: ignore[no-untyped-def]
    org = _employer(org_id)
    lines = _lines(org)
    return render_template(
        "officer/enterprise_staff.html",
        org=org,
        lines=lines,
        summary=summary(line.standing for line in lines),
        labels=STATUS_LABELS,
        badges=STATUS_BADGES,
        expiring_days=current_app.config["EXAMSVC"].employer_expiring_days,
    )


@bp.route("/<int:org_id>/staff.xlsx")
@roles("officer")
def staff_xlsx(org_id: int):  # type: ignore[no-untyped-def]
    org = _employer(org_id)
    rows = filed_rows(line.standing for line in _lines(org))
    return spreadsheet(rows, "xlsx", f"staff-standing-{org.code}")
