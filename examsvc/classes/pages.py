"""What the class pages of institutions and officers share: rules, roster, exports."""

from __future__ import annotations

from flask import Response, current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.db import db_session
from .enrol import eligible
from .forms import DOCUMENT_LABELS
from .models import Enrollment, TrainingClass
from .roster import COLUMNS, csv_bytes, template_rows, xlsx_bytes
from .rules import ClassRules
from .service import breaches


def class_rules() -> ClassRules:
    return ClassRules.from_config(current_app.config["EXAMSVC"])


def enrollments(training_class: TrainingClass) -> list[Enrollment]:
    return list(
        db_session().scalars(
            select(Enrollment).where(Enrollment.class_id == training_class.id).order_by(Enrollment.id)
        )
    )


def class_context(training_class: TrainingClass) -> dict[str, object]:
    roster = enrollments(training_class)
    return {
        "c": training_class,
        "roster": roster,
        "breaches": breaches(db_session(), training_class, class_rules()),
        "eligible": {e.id for e in roster if eligible(training_class, e)},
    }


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def spreadsheet(rows: list[list[object]], fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(xlsx_bytes(rows, name), f"{name}.xlsx", mimetype)
    return _download(csv_bytes(rows), f"{name}.csv", "text/csv; charset=utf-8")


def template_download(fmt: str) -> Response:
    return spreadsheet(template_rows(), fmt, "roster-template")


def roster_export(training_class: TrainingClass, fmt: str) -> Response:
    """The roster as the bureau files it: ID and phone masked, every cell safe from formula injection."""
    header = ["序号", *[zh for _, zh, _, _ in COLUMNS], "考试资格"]
    rows: list[list[object]] = [header]
    for number, e in enumerate(enrollments(training_class), start=1):
        t = e.trainee
        rows.append(
            [
                number,
                t.name,
                str(DOCUMENT_LABELS[t.id_type]),
                t.id_masked,
                e.phone_masked or "",  # the institution's own, as sent with this roster
                e.employer.name if e.employer else "",
                e.employer.code if e.employer else "",
                e.hours_completed,
                _("yes") if eligible(training_class, e) else _("no"),
            ]
        )
    return spreadsheet(rows, fmt, f"roster-{training_class.code}")
