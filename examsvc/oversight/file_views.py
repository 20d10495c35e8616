"""Officers download the bureau's files — of a class (一期一档), a trainee (一人一档) or an employer
(一企一册) — as one PDF or a ZIP of CSV and XLSX files. Every download is audited."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import current_user

from ..audit.service import record
from ..auth.service import actor_of
from ..classes.models import TrainingClass
from ..core.db import db_session, today_in_beijing
from ..orgs.models import Organisation
from ..orgs.service import bureau_name
from ..trainees.models import Trainee
from ..web.access import roles
from ..web.viewutil import get_or_404
from .class_file import Section, class_file, pdf_bytes, zip_bytes
from .people_files import employer_file, trainee_file

bp = Blueprint("files", __name__, url_prefix="/officer/files")
FORMATS = "<any(pdf, zip):fmt>"


def _send(
    kind: str, object_id: int, name: str, heading: str, subject: str, sections: list[Section], fmt: str
):  # type: ignore[no-untyped-def]  # noqa: PLR0913
    s = db_session()
    if fmt == "pdf":
        data, mimetype = pdf_bytes(heading, subject, sections, bureau_name(s)), "application/pdf"
    else:
        data, mimetype = zip_bytes(name, sections), "application/zip"
    record(s, actor_of(current_user), f"{kind}.file_export", kind, object_id, {"format": fmt})
    s.commit()
    headers = {"Content-Disposition": f"attachment; filename={kind}-file-{name}.{fmt}"}
    return Response(data, mimetype=mimetype, headers=headers)


@bp.route(f"/class/<int:class_id>.{FORMATS}")
@roles("officer")
def class_download(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    c = get_or_404(TrainingClass, class_id)
    sections = class_file(db_session(), c)
    return _send("class", c.id, c.code, "培训班次档案（一期一档）", f"{c.code} {c.title}", sections, fmt)


@bp.route(f"/trainee/<int:trainee_id>.{FORMATS}")
@roles("officer")
def trainee_download(trainee_id: int, fmt: str):  # type: ignore[no-untyped-def]
    t = get_or_404(Trainee, trainee_id)
    sections = trainee_file(db_session(), t)
    return _send(
        "trainee", t.id, str(t.id), "学员培训档案（一人一档）", f"{t.name} {t.id_masked}", sections, fmt
    )


@bp.route(f"/employer/<int:org_id>.{FORMATS}")
@roles("officer")
def employer_download(org_id: int, fmt: str):  # type: ignore[no-untyped-def]
    org = get_or_404(Organisation, org_id)
    if org.kind != "employer":
        abort(404)
    sections = employer_file(db_session(), org, today_in_beijing())
    return _send("employer", org.id, org.code, "企业从业人员培训档案（一企一册）", org.name, sections, fmt)
