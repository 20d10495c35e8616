"""Officers: blueprints, paper generation, and the paper download once its seal has opened."""

from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..classes.models import TrainingClass
from ..classes.signals import officer_class_page
from ..core.db import db_session
from ..jobs.views import start
from ..questions.cipher import BankCipher
from ..questions.codes import QUESTION_TYPES, REQUIRED_TOPICS
from ..web.access import roles
from ..web.viewutil import apply_change, get_or_404
from . import service
from .forms import BlueprintForm, GenerateForm
from .jobs import PAPER_PDF
from .models import Blueprint, Paper
from .spec import DEFAULT_SPEC, Spec

bp = FlaskBlueprint("papers", __name__, url_prefix="/officer")


@officer_class_page.connect
def _papers_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    papers = db_session().scalars(select(Paper).where(Paper.class_id == training_class.id).order_by(Paper.id))
    return {"papers": papers.all(), "generate_form": GenerateForm()}


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


def _cipher() -> BankCipher:
    return BankCipher(db_session(), current_app.extensions["examsvc.keys"])


def _spec_from_form(form: BlueprintForm) -> Spec:
    return Spec(
        counts={t: getattr(form, f"{t}_count").data for t in QUESTION_TYPES},
        points_tenths={t: int(getattr(form, f"{t}_points").data * 10) for t in QUESTION_TYPES},
        full_mark=form.full_mark.data,
        pass_mark=form.pass_mark.data,
        duration_minutes=form.duration_minutes.data,
        min_per_topic=dict.fromkeys(REQUIRED_TOPICS, form.min_per_topic.data),
        industry_share_percent=form.industry_share_percent.data,
        target_difficulty_tenths=int(form.target_difficulty.data * 10),
        difficulty_tolerance_tenths=DEFAULT_SPEC.difficulty_tolerance_tenths,
        partial_credit_percent=form.partial_credit_percent.data or 0,
    )


def _fill(form: BlueprintForm, spec: Spec) -> None:
    for t in QUESTION_TYPES:
        getattr(form, f"{t}_count").data = spec.counts[t]
        getattr(form, f"{t}_points").data = spec.points_tenths[t] / 10
    form.full_mark.data, form.pass_mark.data, form.duration_minutes.data = (
        spec.full_mark,
        spec.pass_mark,
        spec.duration_minutes,
    )
    form.min_per_topic.data = min(spec.min_per_topic.values(), default=0)
    form.industry_share_percent.data = spec.industry_share_percent
    form.target_difficulty.data = spec.target_difficulty_tenths / 10
    form.partial_credit_percent.data = spec.partial_credit_percent


@bp.route("/blueprints", methods=["GET", "POST"])
@roles("officer")
def blueprints():  # type: ignore[no-untyped-def]
    form = BlueprintForm()
    if form.validate_on_submit():
        saved = apply_change(
            lambda s: service.save_blueprint(
                s, actor_of(current_user), form.industry.data, form.category.data, _spec_from_form(form)
            ),
            _("Blueprint saved."),
        )
        if saved is not None:
            return redirect(url_for("papers.blueprints"))
    elif not form.is_submitted():
        # ?industry=&category= opens a saved blueprint for editing; otherwise start from the default
        industry, category = request.args.get("industry", ""), request.args.get("category", "")
        saved = db_session().scalar(
            select(Blueprint).where(Blueprint.industry == industry, Blueprint.category == category)
        )
        _fill(form, service.spec_from_json(saved.spec) if saved else DEFAULT_SPEC)
        if saved:
            form.industry.data, form.category.data = industry, category
    rows = db_session().scalars(select(Blueprint).order_by(Blueprint.industry, Blueprint.category)).all()
    return render_template(
        "officer/blueprints.html",
        form=form,
        rows=[(r, service.spec_from_json(r.spec)) for r in rows],
        default=DEFAULT_SPEC,
    )


@bp.route("/classes/<int:class_id>/papers", methods=["POST"])
@roles("officer")
def generate(class_id: int):  # type: ignore[no-untyped-def]
    training_class = get_or_404(TrainingClass, class_id)
    form = GenerateForm()
    if form.validate_on_submit():
        apply_change(
            lambda s: service.generate_paper(
                s, actor_of(current_user), _cipher(), training_class, form.sitting.data, _config()
            ),
            _("Paper generated and sealed."),
        )
    else:
        flash(_("Choose the sitting."), "error")
    return redirect(url_for("review.class_view", class_id=class_id) + "#papers")


@bp.route("/papers/<int:paper_id>/pdf", methods=["POST"])
@roles("officer")
def print_paper(paper_id: int):  # type: ignore[no-untyped-def]
    """Starts the class's PDF as a job (its progress page follows); sealed papers are refused."""
    paper = get_or_404(Paper, paper_id)
    back = url_for("review.class_view", class_id=paper.class_id) + "#papers"
    return start(PAPER_PDF.name, {"paper": paper.id}, back)
