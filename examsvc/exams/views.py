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
from ..core.msgid import RuleError
from ..core.text import whole_number
from ..questions.cipher import BankCipher
from ..web.access import roles
from ..web.formutil import choices
from ..web.viewutil import apply_change, clock_now, get_or_404
from . import closing, corrections, lifecycle, results, service
from .closing import class_counts, counts
from .forms import AssignForm, CancelForm, RescheduleForm, SittingForm
from .models import Attempt, CorrectionRequest, Sitting, SittingProctor
from .roster import exam_states, state_counts
from .signals import result_corrected

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
            lambda s: service.schedule(
                s, actor_of(current_user), training_class, data, _config(), clock_now()
            ),
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
            service.assign(
                s, actor_of(current_user), sitting, form.proctors.data or [], _config(), clock_now()
            )
        except RuleError as exc:
            s.rollback()
            listed = getattr(exc, "reasons", [])  # an assignment's rules each give their reason
            reasons = [_(r.message, **dict(r.params)) for r in listed] or [_(str(exc), **exc.params)]
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


def _back_to_class(sitting: Sitting):  # type: ignore[no-untyped-def]
    return redirect(url_for("review.class_view", class_id=sitting.class_id) + "#sittings")


def _form_errors(form) -> None:  # type: ignore[no-untyped-def]
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {errors[0]}", "error")


@bp.route("/officer/sittings/<int:sitting_id>/reschedule", methods=["POST"])
@roles("officer")
def reschedule(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    form = RescheduleForm(prefix=f"move{sitting.id}")
    if not form.validate_on_submit():
        _form_errors(form)
        return _back_to_class(sitting)
    starts = form.starts_at.data.replace(tzinfo=BEIJING).astimezone(UTC)
    apply_change(
        lambda s: service.reschedule(
            s, actor_of(current_user), sitting, starts, form.reason.data, _config(), clock_now()
        ),
        _("Sitting moved; its paper opens with the new time."),
    )
    return _back_to_class(sitting)


@bp.route("/officer/sittings/<int:sitting_id>/cancel", methods=["POST"])
@roles("officer")
def cancel(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    form = CancelForm(prefix=f"cancel{sitting.id}")
    if not form.validate_on_submit():
        _form_errors(form)
        return _back_to_class(sitting)
    apply_change(
        lambda s: service.cancel(s, actor_of(current_user), sitting, form.reason.data, clock_now()),
        _("Sitting cancelled; its paper is sealed again."),
    )
    return _back_to_class(sitting)


@bp.route("/officer/sittings/<int:sitting_id>/publish", methods=["POST"])
@roles("officer")
def publish(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    apply_change(  # certificates come with the results (exams.signals.results_published)
        lambda s: closing.publish(s, actor_of(current_user), sitting, clock_now()), _("Results published.")
    )
    return redirect(url_for("review.class_view", class_id=sitting.class_id) + "#sittings")


@bp.route("/officer/sittings/<int:sitting_id>/results")
@roles("officer")
def results_page(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    s = db_session()
    rows = s.execute(
        select(Attempt, Enrollment)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Attempt.sitting_id == sitting.id)
        .order_by(Attempt.seat_no)
    ).all()
    requests = s.scalars(
        select(CorrectionRequest)
        .join(Attempt, Attempt.id == CorrectionRequest.attempt_id)
        .where(Attempt.sitting_id == sitting.id)
        .order_by(CorrectionRequest.id.desc())
    ).all()
    names = {a.id: e.trainee.name for a, e in rows}
    return render_template("officer/results.html", sitting=sitting, rows=rows, requests=requests, names=names)


def _cipher() -> BankCipher:
    return BankCipher(db_session(), current_app.extensions["examsvc.keys"])


def _to_results(sitting: Sitting):  # type: ignore[no-untyped-def]
    return redirect(url_for("sittings.results_page", sitting_id=sitting.id))


@bp.route("/officer/sittings/<int:sitting_id>/attempts/<int:attempt_id>/correct", methods=["POST"])
@roles("officer")
def correct(sitting_id: int, attempt_id: int):  # type: ignore[no-untyped-def]
    """The first officer asks for a correction; a second decides (approve_correction)."""
    sitting = get_or_404(Sitting, sitting_id)
    attempt = get_or_404(Attempt, attempt_id)
    if attempt.sitting_id != sitting.id:
        abort(404)
    form = request.form
    seat, version = form.get("seat_no", ""), form.get("version", "")
    change = corrections.Change(
        form.get("presence", ""), whole_number(seat), results.typed_entry(sitting, form)
    )
    apply_change(
        lambda s: corrections.request_correction(
            s,
            actor_of(current_user),
            current_user,
            _cipher(),
            sitting,
            attempt,
            change,
            form.get("reason", ""),
            whole_number(version),
            clock_now(),
        ),
        _("Correction asked for: a second officer approves or rejects it."),
    )
    return _to_results(sitting)


def _request_of(sitting: Sitting, request_id: int) -> CorrectionRequest:
    found = get_or_404(CorrectionRequest, request_id)
    if found.attempt.sitting_id != sitting.id:
        abort(404)
    return found


@bp.route("/officer/sittings/<int:sitting_id>/corrections/<int:request_id>/approve", methods=["POST"])
@roles("officer")
def approve_correction(sitting_id: int, request_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    asked = _request_of(sitting, request_id)
    actor, reason = actor_of(current_user), request.form.get("reason", "")

    def approve(s):  # type: ignore[no-untyped-def]
        attempt = corrections.approve(s, actor, current_user, _cipher(), sitting, asked, reason, clock_now())
        # Certificates follow the corrected result (issued or revoked), in the same transaction.
        result_corrected.send(attempt, session=s, actor=actor, sitting=sitting, reason=asked.reason)

    apply_change(approve, _("Correction approved; the old and new values are in the audit trail."))
    return _to_results(sitting)


@bp.route("/officer/sittings/<int:sitting_id>/corrections/<int:request_id>/reject", methods=["POST"])
@roles("officer")
def reject_correction(sitting_id: int, request_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    asked = _request_of(sitting, request_id)
    apply_change(
        lambda s: corrections.reject(
            s, actor_of(current_user), current_user, sitting, asked, request.form.get("reason", "")
        ),
        _("Correction rejected."),
    )
    return _to_results(sitting)


@officer_class_page.connect
def _sittings_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    sittings = db_session().scalars(select(Sitting).where(Sitting.class_id == training_class.id)).all()
    proctors = {
        st.id: db_session().scalars(select(SittingProctor).where(SittingProctor.sitting_id == st.id)).all()
        for st in sittings
    }
    sitting_form = SittingForm(  # prefixed: the page also holds the other sittings' forms
        prefix="sitting",
        venue=training_class.venue,
        county_code=training_class.venue_county_code,
        duration_minutes=90,
    )
    published = any(st.status == "published" for st in sittings)
    now = clock_now()
    return {
        "sittings": sittings,
        "sitting_phases": {st.id: lifecycle.phase_of(st, now) for st in sittings},
        "sitting_changes": {
            st.id: (RescheduleForm(prefix=f"move{st.id}"), CancelForm(prefix=f"cancel{st.id}"))
            for st in sittings
        },
        "may": lambda st, act: lifecycle.refusal(lifecycle.Act(act), lifecycle.phase_of(st, now)) is None,
        "sitting_proctors": proctors,
        "sitting_counts": {st.id: counts(db_session(), st) for st in sittings},
        "sitting_form": sitting_form,
        "exam_states": exam_states(db_session(), training_class) if published else None,
    }


@institution_class_page.connect
def _results_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    """Only numbers, and only once the bureau has published them: never a paper, key or answer."""
    results = class_counts(db_session(), training_class.id)
    # How many trainees stand where in the one-retake rule: numbers only, never who.
    states = dict(state_counts(db_session(), training_class)) if results else {}
    kinds = db_session().scalars(
        select(Sitting.kind).where(Sitting.class_id == training_class.id, Sitting.status != "cancelled")
    )
    return {"results": results, "exam_states": states, "ticket_kinds": sorted(set(kinds))}
