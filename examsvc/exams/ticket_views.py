"""Admission tickets for download: an officer prints a sitting's, an institution its own trainees'.

A POST, with CSRF, because the first download issues the missing tickets (numbers and seats); after
the sitting starts nothing more is issued and the tickets already issued still print.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Response, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.service import actor_of
from ..classes.models import Enrollment, TrainingClass
from ..core.db import db_session
from ..core.pdf import PdfError
from ..orgs.service import bureau_name
from ..web.access import roles
from ..web.viewutil import clock_now, get_or_404
from .models import AdmissionTicket, Sitting
from .roster import placement
from .ticket_pdf import tickets_pdf
from .tickets import held, issue, may_issue

bp = Blueprint("tickets", __name__)


def tickets_of(sitting: Sitting) -> list[AdmissionTicket]:
    """The sitting's tickets, issuing the missing ones while that is allowed. Two first downloads at
    once: the second to write loses on the seat's unique constraint and reads what the first wrote."""
    s, now = db_session(), clock_now()
    if not may_issue(sitting, now):
        return held(s, sitting)
    try:
        tickets = issue(s, actor_of(current_user), sitting, now)
        s.commit()
    except IntegrityError:
        s.rollback()
        tickets = issue(s, actor_of(current_user), sitting, now)
        s.commit()
    return tickets


def _pdf(tickets: Sequence[AdmissionTicket], name: str) -> Response | None:
    if not tickets:
        flash(_("There is nobody to print an admission ticket for."), "error")
        return None
    keyring = current_app.extensions["examsvc.keys"]
    try:
        pdf = tickets_pdf(db_session(), keyring, tickets, bureau_name(db_session()))
    except PdfError:
        abort(503)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"},
    )


@bp.route("/officer/sittings/<int:sitting_id>/tickets.pdf", methods=["POST"])
@roles("officer")
def officer_tickets(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    if sitting.status == "cancelled":
        abort(404)
    tickets = sorted(tickets_of(sitting), key=lambda t: t.seat_no)
    response = _pdf(tickets, f"tickets-{sitting.training_class.code}-{sitting.kind}.pdf")
    return response or redirect(url_for("review.class_view", class_id=sitting.class_id))


@bp.route("/institution/classes/<int:class_id>/tickets/<any(first, retake):kind>.pdf", methods=["POST"])
@roles("institution")
def institution_tickets(class_id: int, kind: str):  # type: ignore[no-untyped-def]
    """The class's own trainees, wherever they sit (an officer may have moved one to another
    sitting): one file, in name order."""
    s = db_session()
    training_class = s.get(TrainingClass, class_id)
    if training_class is None or training_class.institution_id != current_user.org_id:
        abort(404)  # another institution's class does not exist, as far as this user can tell
    sittings = {}
    for enrollment in s.scalars(select(Enrollment).where(Enrollment.class_id == class_id)):
        sitting = placement(s, enrollment, kind)
        if sitting is not None and sitting.status != "cancelled":
            sittings[sitting.id] = sitting
    tickets = [t for st in sittings.values() for t in tickets_of(st) if t.enrollment.class_id == class_id]
    tickets.sort(key=lambda t: (t.sitting.starts_at, t.enrollment.trainee.name))
    response = _pdf(tickets, f"tickets-{training_class.code}-{kind}.pdf")
    return response or redirect(url_for("inst_classes.class_view", class_id=class_id))
