"""An officer moves a candidate to another sitting of the same kind (exams/moves.py holds the rules)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..classes.models import Enrollment
from ..core.db import BEIJING, db_session
from ..core.msgid import N_, RuleError
from ..web.access import roles
from ..web.formutil import choices
from ..web.viewutil import clock_now, get_or_404
from . import moves
from .errors import ResultError
from .forms import MoveForm
from .models import Sitting, SittingMove
from .roster import placement

bp = Blueprint("moves", __name__, url_prefix="/officer/enrollments")
KINDS = ("first", "retake")


def _label(sitting: Sitting) -> str:
    kind = _("First sitting") if sitting.kind == "first" else _("Retake")
    starts = sitting.starts_at.astimezone(BEIJING)
    return f"{starts:%Y-%m-%d %H:%M} · {kind} · {sitting.training_class.code} · {sitting.venue}"


@bp.route("/<int:enrollment_id>/move", methods=["GET", "POST"])
@roles("officer")
def move_page(enrollment_id: int):  # type: ignore[no-untyped-def]
    s, now = db_session(), clock_now()
    enrollment = get_or_404(Enrollment, enrollment_id)
    targets = [t for kind in KINDS for t in moves.targets(s, enrollment, kind, now)]
    form = MoveForm()
    form.target.choices = choices((t.id, _label(t)) for t in targets)
    status = 200
    if form.validate_on_submit():
        target = s.get(Sitting, form.target.data)
        try:
            if target is None:
                raise ResultError(N_("Choose a sitting from the list."))
            moves.move(s, actor_of(current_user), enrollment, target, form.reason.data, now)
        except RuleError as exc:
            s.rollback()
            flash(_(str(exc), **exc.params), "error")
            status = 422
        else:
            s.commit()
            flash(_("Candidate moved to %(sitting)s.", sitting=_label(target)), "info")
            return redirect(url_for("review.class_view", class_id=enrollment.class_id))
    elif form.is_submitted():
        status = 422
    history = s.scalars(
        select(SittingMove).where(SittingMove.enrollment_id == enrollment.id).order_by(SittingMove.id)
    ).all()
    sittings = {m.to_sitting_id: s.get(Sitting, m.to_sitting_id) for m in history}
    sittings |= {m.from_sitting_id: s.get(Sitting, m.from_sitting_id) for m in history if m.from_sitting_id}
    return render_template(
        "officer/move_candidate.html",
        enrollment=enrollment,
        placements=[(kind, placement(s, enrollment, kind)) for kind in KINDS],
        label=_label,
        form=form,
        has_targets=bool(targets),
        history=history,
        sittings=sittings,
    ), status
