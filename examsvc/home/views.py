"""The landing page of each role, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..auth import throttle
from ..auth.models import User
from ..auth.rules import HOME_ENDPOINT
from ..classes.models import TrainingClass
from ..core.db import db_session
from ..exams.service import assigned_sittings
from ..orgs.models import Organisation
from ..web.access import public, roles
from ..web.i18n import LANGUAGES
from ..web.viewutil import clock_now

bp = Blueprint("home", __name__)


@bp.route("/")
@public
def index():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for(HOME_ENDPOINT[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/lang", methods=["POST"])
@public
def set_language():  # type: ignore[no-untyped-def]
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith(("//", "/\\")):
        back = url_for("home.index")
    return redirect(back)


def _org_counts() -> dict[str, int]:
    rows = db_session().execute(
        select(Organisation.kind, func.count())
        .where(Organisation.active.is_(True))
        .group_by(Organisation.kind)
    )
    return {kind: count for kind, count in rows}


def _my_recent_events(limit: int = 10) -> list[AuditEvent]:
    return list(
        db_session().scalars(
            select(AuditEvent)
            .where(AuditEvent.actor_id == current_user.id)
            .order_by(AuditEvent.seq.desc())
            .limit(limit)
        )
    )


@bp.route("/officer")
@roles("officer")
def officer():  # type: ignore[no-untyped-def]
    return render_template(
        "officer/home.html",
        org_counts=_org_counts(),
        class_counts=_class_counts(),
        events=_my_recent_events(),
        attacked=throttle.under_attack(
            db_session(), throttle.limits_of(current_app.config["EXAMSVC"]), clock_now()
        ),
    )


@bp.route("/proctor")
@roles("proctor")
def proctor():  # type: ignore[no-untyped-def]
    colleagues = db_session().scalar(
        select(func.count())
        .select_from(User)
        .where(User.org_id == current_user.org_id, User.role == "proctor")
    )
    sittings = assigned_sittings(db_session(), current_user)
    return render_template("proctor/home.html", colleagues=colleagues, sittings=sittings)


def _class_counts(*conditions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    query = select(TrainingClass.status, func.count()).where(*conditions).group_by(TrainingClass.status)
    return dict(db_session().execute(query).all())


@bp.route("/institution")
@roles("institution")
def institution():  # type: ignore[no-untyped-def]
    return render_template(
        "institution/home.html",
        class_counts=_class_counts(TrainingClass.institution_id == current_user.org_id),
    )
