"""A trainee's record (一人一档), for officers: every class, and later attempts, results, certificates."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..access import roles
from ..classes.enrol import eligible
from ..classes.models import Enrollment
from ..db import db_session
from .models import Trainee

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
    enrollments = (
        db_session()
        .scalars(select(Enrollment).where(Enrollment.trainee_id == trainee.id).order_by(Enrollment.id.desc()))
        .all()
    )
    from ..certificates.service import trainee_record  # certificates build on trainees

    certificates, ledger = trainee_record(db_session(), trainee)
    return render_template(
        "officer/trainee.html",
        trainee=trainee,
        enrollments=enrollments,
        certificates=certificates,
        ledger=ledger,
        eligible={e.id for e in enrollments if eligible(e.training_class, e)},
    )
