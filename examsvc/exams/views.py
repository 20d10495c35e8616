"""Officers schedule sittings and assign proctors."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..classes.models import Enrollment, TrainingClass
from ..classes.signals import institution_class_page, officer_class_page
from ..core.db import BEIJING, db_session
from ..questions.cipher import BankCipher
from ..web.access import roles
from ..web.formutil import choices
from ..web.viewutil import apply_change, get_or_404
from . import closing, corrections, results, service
from .closing import counts
from .forms import AssignForm, SittingForm
from .models import Attempt, Sitting, SittingProctor
from .roster import exam_states, state_counts
from .signals import result_corrected, results_published

bp = Blueprint("sittings", __name__)


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


@bp.route("/officer/classes/<int:class_id>/sittings", methods=["POST"])
@roles("officer")
def schedule(class_id: int):  # type: ignore[no-untyped-def]
    training_class = get_or_404(TrainingClass, class_id)
    form = SittingForm(prefix="sitting")  # the class page also holds the paper form
    if form.validate_on_submit():
        data = service.SittingInput(
            form.kind.data,
            form.venue.data.strip(),
            form.county_code.data,
            form.starts_at.data.replace(tzinfo=BEIJING).astimezone(UTC),
            form.duration_minutes.data,
            form.marking.data,
        )
        sitting = apply_change(
            lambda s: service.schedule(s, actor_of(current_user), training_class, data, _config()),
            _("Sitting scheduled. Now assign its proctors."),
        )
        if sitting is not None:
            return redirect(url_for("sittings.assign", sitting_id=sitting.id))
    else:
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {errors[0]}", "error")
    return redirect(url_for("review.class_view", class_id=class_id) + "#sittings")


@bp.route("/officer/sittings/<int:sitting_id>/proctors", methods=["GET", "POST"])
@roles("officer")
def assign(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    s = db_session()
    proctors = service.all_proctors(s)
    form = AssignForm()
    form.proctors.choices = choices((u.id, f"{u.display_name} · {u.org.name}") for u in proctors)
    reasons: list[str] = []
    if form.validate_on_submit():
        try:
            service.assign(s, actor_of(current_user), sitting, form.proctors.data or [], _config())
        except service.SittingError as exc:
            s.rollback()
            reasons = [_(r.message, **dict(r.params)) for r in exc.reasons] or [_(str(exc), **exc.params)]
        else:
            s.commit()
            flash(_("Proctors assigned."), "info")
            return redirect(url_for("review.class_view", class_id=sitting.class_id) + "#sittings")
    elif not form.is_submitted():
        current = list(
            s.scalars(select(SittingProctor.user_id).where(SittingProctor.sitting_id == sitting.id))
        )
        form.proctors.data = current or [u.id for u in service.suggestion(s, sitting, _config())]
    facts = service.sitting_facts(s, sitting)
    return render_template(
        "officer/assign.html",
        sitting=sitting,
        form=form,
        reasons=reasons,
        facts=facts,
        suggested=not form.is_submitted(),
    ), (422 if reasons else 200)


@bp.route("/officer/sittings/<int:sitting_id>/publish", methods=["POST"])
@roles("officer")
def publish(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)

    def publish(s):  # type: ignore[no-untyped-def]
        closing.publish(s, actor_of(current_user), sitting)
        # Certificates come with the results, in the same transaction: both or neither.
        results_published.send(sitting, session=s, actor=actor_of(current_user))

    apply_change(publish, _("Results published."))
    return redirect(url_for("review.class_view", class_id=sitting.class_id) + "#sittings")


@bp.route("/officer/sittings/<int:sitting_id>/results")
@roles("officer")
def results_page(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    rows = (
        db_session()
        .execute(
            select(Attempt, Enrollment)
            .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
            .where(Attempt.sitting_id == sitting.id)
            .order_by(Attempt.seat_no)
        )
        .all()
    )
    return render_template("officer/results.html", sitting=sitting, rows=rows)


@bp.route("/officer/sittings/<int:sitting_id>/attempts/<int:attempt_id>/correct", methods=["POST"])
@roles("officer")
def correct(sitting_id: int, attempt_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    attempt = get_or_404(Attempt, attempt_id)
    if attempt.sitting_id != sitting.id:
        abort(404)
    form = request.form
    seat = form.get("seat_no", "")
    cipher = BankCipher(db_session(), current_app.extensions["examsvc.keys"])
    actor, reason = actor_of(current_user), form.get("reason", "")

    def correct(s):  # type: ignore[no-untyped-def]
        corrections.correct(
            s,
            actor,
            cipher,
            sitting,
            attempt,
            presence=form.get("presence", ""),
            seat_no=int(seat) if seat.isdigit() else None,
            typed=results.typed_entry(sitting, form),
            reason=reason,
        )
        result_corrected.send(attempt, session=s, actor=actor, sitting=sitting, reason=reason)

    apply_change(correct, _("Correction saved; the old and new values are in the audit trail."))
    return redirect(url_for("sittings.results_page", sitting_id=sitting.id))


@officer_class_page.connect
def _sittings_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    sittings = db_session().scalars(select(Sitting).where(Sitting.class_id == training_class.id)).all()
    proctors = {
        st.id: db_session().scalars(select(SittingProctor).where(SittingProctor.sitting_id == st.id)).all()
        for st in sittings
    }
    sitting_form = SittingForm(  # prefixed: the page also holds the paper form, with its own start time
        prefix="sitting",
        venue=training_class.venue,
        county_code=training_class.venue_county_code,
        duration_minutes=90,
    )
    published = any(st.status == "published" for st in sittings)
    return {
        "sittings": sittings,
        "sitting_proctors": proctors,
        "sitting_counts": {st.id: counts(db_session(), st) for st in sittings},
        "sitting_form": sitting_form,
        "exam_states": exam_states(db_session(), training_class) if published else None,
    }


@institution_class_page.connect
def _results_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    """Only numbers, and only once the bureau has published them: never a paper, key or answer."""
    sittings = db_session().scalars(
        select(Sitting).where(Sitting.class_id == training_class.id, Sitting.status == "published")
    )
    results = [(sitting.kind, counts(db_session(), sitting)) for sitting in sittings]
    # How many trainees stand where in the one-retake rule: numbers only, never who.
    states = dict(state_counts(db_session(), training_class)) if results else {}
    return {"results": results, "exam_states": states}
