"""The bureau's review of classes: the queue, every class and roster, approve or return."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select

from ..auth.service import actor_of
from ..core.db import db_session
from ..orgs.models import Organisation
from ..trainees.models import Trainee
from ..trainees.signals import trainee_page
from ..web.access import roles
from ..web.panels import gather
from ..web.viewutil import apply_change, clock_now, get_or_404
from . import service
from .enrol import eligible
from .forms import ReturnForm
from .models import CLASS_STATUSES, Enrollment, TrainingClass
from .pages import class_context, class_rules, roster_export
from .signals import officer_class_page

bp = Blueprint("review", __name__, url_prefix="/officer/classes")


@bp.route("/")
@roles("officer")
def class_list():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "")
    institution = request.args.get("institution", type=int)
    counts = select(Enrollment.class_id, func.count().label("n")).group_by(Enrollment.class_id).subquery()
    query = (
        select(TrainingClass, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.class_id == TrainingClass.id)
        # the review queue first, oldest submission first
        .order_by(
            case((TrainingClass.status == "submitted", 0), else_=1),
            TrainingClass.submitted_at,
            TrainingClass.id.desc(),
        )
    )
    if status in CLASS_STATUSES:
        query = query.where(TrainingClass.status == status)
    if institution:
        query = query.where(TrainingClass.institution_id == institution)
    institutions = db_session().scalars(
        select(Organisation).where(Organisation.kind == "institution").order_by(Organisation.name)
    )
    return render_template(
        "officer/classes.html",
        rows=db_session().execute(query).all(),
        statuses=CLASS_STATUSES,
        status=status,
        institutions=list(institutions),
        institution=institution,
    )


def _officer_page(training_class: TrainingClass, return_form: ReturnForm):  # type: ignore[no-untyped-def]
    return render_template(
        "officer/class.html",
        return_form=return_form,
        now=clock_now(),  # the papers' seals
        **gather(officer_class_page, training_class),  # papers, sittings, certificates: from above
        **class_context(training_class),
    )


@bp.route("/<int:class_id>")
@roles("officer")
def class_view(class_id: int):  # type: ignore[no-untyped-def]
    return _officer_page(get_or_404(TrainingClass, class_id), ReturnForm())


def _decide(training_class: TrainingClass, change, done: str):  # type: ignore[no-untyped-def]
    apply_change(change, done)
    return redirect(url_for("review.class_view", class_id=training_class.id))


@bp.route("/<int:class_id>/approve", methods=["POST"])
@roles("officer")
def class_approve(class_id: int):  # type: ignore[no-untyped-def]
    training_class = get_or_404(TrainingClass, class_id)
    return _decide(
        training_class,
        lambda s: service.approve(s, actor_of(current_user), training_class, class_rules()),
        _("Class %(code)s approved.", code=training_class.code),
    )


@bp.route("/<int:class_id>/return", methods=["POST"])
@roles("officer")
def class_return(class_id: int):  # type: ignore[no-untyped-def]
    training_class = get_or_404(TrainingClass, class_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _officer_page(training_class, form), 422
    return _decide(
        training_class,
        lambda s: service.return_class(s, actor_of(current_user), training_class, form.reason.data),
        _("Class %(code)s returned to the institution.", code=training_class.code),
    )


@bp.route("/<int:class_id>/roster.<any(csv, xlsx):fmt>")
@roles("officer")
def roster_download(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return roster_export(get_or_404(TrainingClass, class_id), fmt)


@trainee_page.connect
def _trainee_enrollments(trainee: Trainee, **_: object) -> dict[str, object]:
    enrollments = (
        db_session()
        .scalars(select(Enrollment).where(Enrollment.trainee_id == trainee.id).order_by(Enrollment.id.desc()))
        .all()
    )
    return {
        "enrollments": enrollments,
        "eligible": {e.id for e in enrollments if eligible(e.training_class, e)},
    }
