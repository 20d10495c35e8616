"""A trainee's record (一人一档), for officers: every class, and later attempts, results, certificates."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..core.db import db_session
from ..web.access import roles
from ..web.panels import gather
from .models import Trainee
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
    return render_template(
        "officer/trainee.html",
        trainee=trainee,
        **gather(trainee_page, trainee),  # classes and certificates: from above
    )
