"""A class's result sheet (成绩单) as a PDF: the bureau's lists every enrolment; the institution's,
for its own classes only, gives the numbers its class page shows and nobody's result."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..classes.models import TrainingClass
from ..core.db import db_session
from ..core.pdf import PdfError
from ..orgs.service import bureau_name
from ..web.access import roles
from ..web.viewutil import clock_now, get_or_404
from .sheets import class_sheet, class_summary_sheet

bp = Blueprint("result_sheets", __name__)


def _pdf(make, training_class: TrainingClass) -> Response | tuple[str, int]:  # type: ignore[no-untyped-def]
    s = db_session()
    try:
        pdf = make(s, training_class, bureau_name(s), clock_now())
    except PdfError:
        current_app.logger.exception("class result sheet PDF failed")
        return render_template("errors/error.html", code=503, message=_("The PDF could not be made.")), 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=results-{training_class.code}.pdf",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/officer/classes/<int:class_id>/results.pdf")
@roles("officer")
def officer_class(class_id: int):  # type: ignore[no-untyped-def]
    return _pdf(class_sheet, get_or_404(TrainingClass, class_id))


@bp.route("/institution/classes/<int:class_id>/results.pdf")
@roles("institution")
def institution_class(class_id: int):  # type: ignore[no-untyped-def]
    training_class = db_session().get(TrainingClass, class_id)
    if training_class is None or training_class.institution_id != current_user.org_id:
        abort(404)  # another institution's class does not exist, as far as this user can tell
    return _pdf(class_summary_sheet, training_class)
