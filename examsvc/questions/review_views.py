"""The bank's review pages: versions waiting for a second officer, and the queue of questions the
sittings' statistics flagged. Officers only, as the rest of the bank."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.service import actor_of
from ..core.db import db_session
from ..web.access import roles
from ..web.viewutil import apply_change, get_or_404
from .forms import ReviseForm
from .models import Question, QuestionVersion, ReviewItem
from .review import approve_version, dismiss, open_items, pending_versions, reject_version, retire, revise
from .views import _cipher, fill_from_working_version, save_form

bp = Blueprint("bank_review", __name__, url_prefix="/bank/review")


@bp.route("/")
@roles("officer")
def queue():  # type: ignore[no-untyped-def]
    s = db_session()
    items = [(item, question, json.loads(item.flags)) for item, question in open_items(s)]
    pending = pending_versions(s)
    return render_template(
        "bank/review.html",
        items=items,
        pending=pending,
        waiting={q.id: v for q, v in pending},  # an open item whose revision waits says so
        me=actor_of(current_user).label,
    )


def _open_item(item_id: int) -> ReviewItem:
    item = get_or_404(ReviewItem, item_id)
    if item.state != "open":
        abort(404)
    return item


@bp.route("/items/<int:item_id>/<any(dismiss, retire):decision>", methods=["POST"])
@roles("officer")
def decide(item_id: int, decision: str):  # type: ignore[no-untyped-def]
    item = _open_item(item_id)
    change = dismiss if decision == "dismiss" else retire
    done = _("Dismissed.") if decision == "dismiss" else _("Retired.")
    apply_change(lambda s: change(s, actor_of(current_user), item, request.form.get("reason", "")), done)
    return redirect(url_for("bank_review.queue"))


@bp.route("/items/<int:item_id>/revise", methods=["GET", "POST"])
@roles("officer")
def revise_item(item_id: int):  # type: ignore[no-untyped-def]
    item = get_or_404(ReviewItem, item_id)
    if item.state != "open" and request.method == "GET":
        abort(404)
    question = db_session().get(Question, item.question_id)
    form = ReviseForm()
    if form.validate_on_submit():
        actor, reason = actor_of(current_user), form.reason.data or ""
        version = save_form(  # decided or revised meanwhile: refused, the form keeps what was typed
            form, question, lambda s, rec: revise(s, actor, _cipher(), item, rec, reason, form.base())
        )
        if version is not None:
            flash(
                _(
                    "Saved as version %(version)d. Another officer approves it before it enters a paper.",
                    version=version.version,
                ),
                "info",
            )
            return redirect(url_for("bank_review.queue"))
    elif request.method == "GET":
        fill_from_working_version(form, question)  # type: ignore[arg-type]
    return render_template(
        "bank/revise.html", form=form, question=question, item=item, flags=json.loads(item.flags)
    )


@bp.route("/versions/<int:version_id>/<any(approve, reject):decision>", methods=["POST"])
@roles("officer")
def decide_version(version_id: int, decision: str):  # type: ignore[no-untyped-def]
    version = get_or_404(QuestionVersion, version_id)
    actor = actor_of(current_user)
    if decision == "approve":
        apply_change(
            lambda s: approve_version(s, actor, version), _("Approved: new papers draw this version.")
        )
    else:
        apply_change(
            lambda s: reject_version(s, actor, version, request.form.get("reason", "")), _("Rejected.")
        )
    back = request.form.get("back") == "question"
    return redirect(
        url_for("bank.question_view", question_id=version.question_id, version=version.version)
        if back
        else url_for("bank_review.queue")
    )
