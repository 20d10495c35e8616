"""Officers ask for the bureau's files — of a class (一期一档), a trainee (一人一档) or an employer
(一企一册) — as one PDF or a ZIP of CSV and XLSX files: made as a job (jobs.py), audited."""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from ..classes.models import TrainingClass
from ..jobs.views import start
from ..orgs.models import Organisation
from ..trainees.models import Trainee
from ..web.access import roles
from ..web.viewutil import get_or_404
from .jobs import FILE_EXPORT

bp = Blueprint("files", __name__, url_prefix="/officer/files")
FORMATS = "<any(pdf, zip):fmt>"


@bp.route(f"/class/<int:class_id>/{FORMATS}", methods=["POST"])
@roles("officer")
def class_download(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    c = get_or_404(TrainingClass, class_id)
    back = url_for("review.class_view", class_id=c.id)
    return start(FILE_EXPORT.name, {"of": "class", "id": c.id, "format": fmt}, back)


@bp.route(f"/trainee/<int:trainee_id>/{FORMATS}", methods=["POST"])
@roles("officer")
def trainee_download(trainee_id: int, fmt: str):  # type: ignore[no-untyped-def]
    t = get_or_404(Trainee, trainee_id)
    back = url_for("trainees.trainee_view", trainee_id=t.id)
    return start(FILE_EXPORT.name, {"of": "trainee", "id": t.id, "format": fmt}, back)


@bp.route(f"/employer/<int:org_id>/{FORMATS}", methods=["POST"])
@roles("officer")
def employer_download(org_id: int, fmt: str):  # type: ignore[no-untyped-def]
    org = get_or_404(Organisation, org_id)
    if org.kind != "employer":
        abort(404)
    return start(FILE_EXPORT.name, {"of": "employer", "id": org.id, "format": fmt}, url_for("home.index"))
