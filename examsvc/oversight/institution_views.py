"""Officers: how each training institution's classes fare, the outliers, and suspensions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..classes.models import TrainingClass
from ..core.db import db_session, today_in_beijing
from ..orgs.models import Organisation
from ..orgs.suspension import SuspensionError, all_in_force, default_end, lift, suspend
from ..questions.cipher import BankCipher
from ..web.access import roles
from ..web.viewutil import get_or_404
from .copying import EXAMINED, MIN_SHARE, MIN_SHARED, institution_pairs, institution_patterns
from .institutions import flags, pattern_flags, quality

bp = Blueprint("institutions", __name__, url_prefix="/officer/institutions")


@bp.route("/")
@roles("officer")
def overview():  # type: ignore[no-untyped-def]
    s, today = db_session(), today_in_beijing()
    rows = quality(s)
    patterns = institution_patterns(s, BankCipher(s, current_app.extensions["examsvc.keys"]))
    s.commit()  # the findings of sittings checked for the first time, kept for the next visit
    return render_template(
        "officer/institutions.html",
        rows=rows,
        flags={f.org_id: f for f in flags(rows)},
        pattern_flags={f.org_id: f for f in pattern_flags(patterns)},
        suspended=all_in_force(s, today),
        default_end=default_end(today),
    )


def _done(message: str):  # type: ignore[no-untyped-def]
    flash(message, "info")
    return redirect(url_for("institutions.overview"))


@bp.route("/<int:org_id>/suspend", methods=["POST"])
@roles("officer")
def suspend_institution(org_id: int):  # type: ignore[no-untyped-def]
    s, org = db_session(), get_or_404(Organisation, org_id)
    try:
        ends_on = date.fromisoformat(request.form.get("ends_on", "").strip())
    except ValueError:
        flash(_("Give the end date as YYYY-MM-DD."), "error")
        return overview(), 422
    try:
        suspend(
            s,
            actor_of(current_user),
            current_user.id,
            org,
            request.form.get("reason", ""),
            ends_on,
            today_in_beijing(),
        )
    except SuspensionError as exc:
        s.rollback()
        flash(_(str(exc), **exc.params), "error")
        return overview(), 422
    s.commit()
    return _done(_("%(name)s is suspended until %(until)s.", name=org.name, until=ends_on.isoformat()))


@bp.route("/<int:org_id>/lift", methods=["POST"])
@roles("officer")
def lift_suspension(org_id: int):  # type: ignore[no-untyped-def]
    s, org = db_session(), get_or_404(Organisation, org_id)
    try:
        lift(s, actor_of(current_user), org, request.form.get("lift_reason", ""), today_in_beijing())
    except SuspensionError as exc:
        s.rollback()
        flash(_(str(exc), **exc.params), "error")
        return overview(), 422
    s.commit()
    return _done(_("The suspension of %(name)s is lifted.", name=org.name))


@bp.route("/<int:org_id>/patterns")
@roles("officer")
def answer_patterns(org_id: int):  # type: ignore[no-untyped-def]
    """The institution's examined classes, each with the seats that share many identical wrong answers
    (opens the papers of those sittings, so it runs when an officer asks)."""
    s, org = db_session(), get_or_404(Organisation, org_id)
    cipher = BankCipher(s, current_app.extensions["examsvc.keys"])
    examined = s.scalars(
        select(TrainingClass)
        .where(TrainingClass.institution_id == org.id, TrainingClass.status.in_(EXAMINED))
        .order_by(TrainingClass.code)
    ).all()
    pairs = institution_pairs(s, cipher, org.id)
    s.commit()  # the findings of sittings checked for the first time, kept for the next visit
    found = [(c, pairs.get(c.id, [])) for c in examined]
    return render_template(
        "officer/answer_patterns.html",
        org=org,
        checked=len(examined),
        found=[(c, p) for c, p in found if p],
        min_shared=MIN_SHARED,
        min_share=int(MIN_SHARE * 100),
    )
