"""The officers' view of the bank: browse by metadata, read (audited), edit into a new version, retire.

Officers only: training institutions never reach any of it (培考分离), and admins, who run the
system, have no business reading questions either.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth.service import actor_of
from ..core.db import db_session
from ..core.msgid import RuleError
from ..web.access import roles
from ..web.viewutil import apply_change, get_or_404
from .cipher import BankCipher
from .forms import FilterForm, QuestionForm
from .models import Question, QuestionVersion, ReviewItem
from .rules import QuestionRecord, check_record, record_from
from .service import current_versions_query, edit_question, set_status, view_question, working_version
from .stats import bank_stats

bp = Blueprint("bank", __name__, url_prefix="/bank")
PAGE_SIZE = 50


def _cipher() -> BankCipher:
    return BankCipher(db_session(), current_app.extensions["examsvc.keys"])


def _filtered(form: FilterForm):  # type: ignore[no-untyped-def]
    query = current_versions_query()
    for name in ("type", "topic", "industry"):
        value = getattr(form, name).data
        if value:
            query = query.where(getattr(QuestionVersion, name) == value)
    if form.category.data:
        query = query.where(getattr(QuestionVersion, f"for_{form.category.data}").is_(True))
    if form.difficulty.data:
        query = query.where(QuestionVersion.difficulty == int(form.difficulty.data))
    if form.status.data:
        query = query.where(Question.status == form.status.data)
    return query


@bp.route("/")
@roles("officer")
def question_list():  # type: ignore[no-untyped-def]
    form = FilterForm(request.args)
    if not form.validate():
        form = FilterForm(formdata=None)  # a hand-made query string with unknown codes: show everything
    page = max(request.args.get("page", 1, type=int), 1)
    query = _filtered(form)
    total = db_session().scalar(query.with_only_columns(func.count()).order_by(None))
    rows = db_session().execute(
        query.order_by(Question.external_id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "bank/list.html",
        form=form,
        rows=rows.all(),
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        args=args,
    )


@bp.route("/stats")
@roles("officer")
def stats():  # type: ignore[no-untyped-def]
    return render_template("bank/stats.html", stats=bank_stats(db_session()))


@bp.route("/questions/<int:question_id>")
@roles("officer")
def question_view(question_id: int):  # type: ignore[no-untyped-def]
    question = get_or_404(Question, question_id)
    s = db_session()
    try:
        version, content = view_question(
            s, actor_of(current_user), _cipher(), question, request.args.get("version", type=int)
        )
    except RuleError:
        abort(404)
    s.commit()  # the audit entry of this reading
    versions = s.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.version.desc())
    ).all()
    items = s.scalars(
        select(ReviewItem).where(ReviewItem.question_id == question.id).order_by(ReviewItem.id.desc())
    ).all()
    return render_template(
        "bank/question.html",
        question=question,
        version=version,
        content=content,
        versions=versions,
        items=[(item, json.loads(item.flags)) for item in items],
    )


def _show_problems(form: QuestionForm, problems: list) -> None:  # type: ignore[type-arg]
    for p in problems:
        field = {"options": "option_a"}.get(p.field, p.field)
        target = getattr(form, field, None)
        message = _(p.message, **dict(p.params))
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            flash(message, "error")


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles("officer")
def question_edit(question_id: int):  # type: ignore[no-untyped-def]
    question = get_or_404(Question, question_id)
    form = QuestionForm()
    if form.validate_on_submit():
        actor = actor_of(current_user)
        version = save_form(
            form, question, lambda s, rec: edit_question(s, actor, _cipher(), question, rec, form.base())
        )
        if version is not None:
            flash(_("Saved as version %(version)d.", version=version.version), "info")
            return redirect(url_for("bank.question_view", question_id=question.id))
    elif request.method == "GET":
        fill_from_working_version(form, question)
    return render_template("bank/edit.html", form=form, question=question)


def save_form(
    form: QuestionForm, question: Question, save: Callable[[Session, QuestionRecord], QuestionVersion]
) -> QuestionVersion | None:
    """The form checked as an imported record is, then saved and committed by `save`; problems are
    shown on their fields, a refusal is flashed, and the form keeps what was typed (None)."""
    checked = check_record(form.to_record(question.external_id, question.status))
    if not isinstance(checked, QuestionRecord):
        _show_problems(form, checked)
        return None
    return apply_change(lambda s: save(s, checked))


def fill_from_working_version(form: QuestionForm, question: Question) -> None:
    """The form starts from the version waiting for approval, if any, else the one in use (the
    reading is audited); it remembers which, so that a form gone stale meanwhile is refused."""
    s = db_session()
    working = working_version(s, question)
    version, content = view_question(s, actor_of(current_user), _cipher(), question, working.version)
    s.commit()  # the audit entry of this reading
    form.fill(record_from(version.selection_metadata(), content, question.external_id, question.status))
    form.base_version.data = str(version.version)


@bp.route("/questions/<int:question_id>/status", methods=["POST"])
@roles("officer")
def question_status(question_id: int):  # type: ignore[no-untyped-def]
    question = get_or_404(Question, question_id)  # the CSRF token was checked before the view (CSRFProtect)
    apply_change(lambda s: set_status(s, actor_of(current_user), question, request.form.get("status", "")))
    return redirect(url_for("bank.question_view", question_id=question.id))
