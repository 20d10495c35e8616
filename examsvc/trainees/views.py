"""A trainee's record (一人一档), for officers: every class, and later attempts, results, certificates."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..core.db import db_session
from ..web.access import roles
from ..web.panels import gather
from ..web.viewutil import apply_change, get_or_404
from . import identity_changes
from .models import IdentityChange, Trainee
from .signals import trainee_page

bp = Blueprint("trainees", __name__, url_prefix="/officer/trainees")


@bp.route("/")
@roles("officer")
def trainee_list():  # type: ignore[no-untyped-def]
    name = request.args.get("name", "").strip()
    query = select(Trainee).order_by(Trainee.name).limit(100)
    if name:
        query = query.where(Trainee.name.contains(name))
    return render_template("officer/trainees.html", trainees=list(db_session().scalars(query)), name=name)


@bp.route("/<int:trainee_id>")
@roles("officer")
def trainee_view(trainee_id: int):  # type: ignore[no-untyped-def]
    trainee = db_session().get(Trainee, trainee_id)
    if trainee is None:
        abort(404)
    changes = db_session().scalars(
        select(IdentityChange)
        .where(IdentityChange.trainee_id == trainee.id)
        .order_by(IdentityChange.id.desc())
    )
    return render_template(
        "officer/trainee.html",
        trainee=trainee,
        identity_changes=list(changes),
        **gather(trainee_page, trainee),  # classes and certificates: from above
    )


@bp.route("/changes")
@roles("officer")
def identity_changes_page():  # type: ignore[no-untyped-def]
    return render_template("officer/identity_changes.html", changes=identity_changes.pending(db_session()))


def _decide(change_id: int, decide, done: str):  # type: ignore[no-untyped-def]
    change = get_or_404(IdentityChange, change_id)
    reason = request.form.get("evidence", "")
    apply_change(lambda s: decide(s, actor_of(current_user), current_user.id, change, reason), done)
    return redirect(url_for("trainees.identity_changes_page"))


@bp.route("/changes/<int:change_id>/approve", methods=["POST"])
@roles("officer")
def approve_change(change_id: int):  # type: ignore[no-untyped-def]
    return _decide(
        change_id, identity_changes.approve, _("Name changed; the evidence is in the audit trail.")
    )


@bp.route("/changes/<int:change_id>/reject", methods=["POST"])
@roles("officer")
def reject_change(change_id: int):  # type: ignore[no-untyped-def]
    return _decide(change_id, identity_changes.reject, _("Change refused; the registered name stands."))
