"""The training institution's side: its own classes only (another institution's class is 404)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..core.db import db_session
from ..core.msgid import RuleError
from ..core.sheets import SheetError
from ..web.access import roles
from ..web.panels import gather
from ..web.viewutil import apply_change, refusal
from . import enrol, photos, service
from .forms import ClassForm, HoursForm, RosterUploadForm, TraineeForm
from .models import Enrollment, TrainingClass
from .pages import class_context, class_rules, roster_export, template_download
from .roster import COLUMNS, ROSTER_LIMITS, check_cells, read_cells
from .signals import institution_class_page

bp = Blueprint("inst_classes", __name__, url_prefix="/institution/classes")


def _own_class(class_id: int) -> TrainingClass:
    training_class = db_session().get(TrainingClass, class_id)
    if training_class is None or training_class.institution_id != current_user.org_id:
        abort(404)  # another institution's class does not exist, as far as this user can tell
    return training_class


def _input(form: ClassForm) -> service.ClassInput:
    return service.ClassInput(
        **{name: getattr(form, name).data for name in service.ClassInput.__annotations__}
    )


def _detail(training_class: TrainingClass, problems=None, status: int = 200, **forms):  # type: ignore[no-untyped-def]
    forms.setdefault("single", False)  # problems of one trainee added by hand: no row numbers
    forms.setdefault("upload_form", RosterUploadForm())
    forms.setdefault("trainee_form", TraineeForm())
    return render_template(
        "institution/class.html",
        problems=problems or [],
        hours_form=HoursForm(),
        photographed=photos.with_roster_photo(db_session(), training_class.id),
        **forms,
        **gather(institution_class_page, training_class),  # published results: from the sittings
        **class_context(training_class),
    ), status


@bp.route("/")
@roles("institution")
def class_list():  # type: ignore[no-untyped-def]
    rows = db_session().scalars(
        select(TrainingClass)
        .where(TrainingClass.institution_id == current_user.org_id)
        .order_by(TrainingClass.id.desc())
    )
    return render_template("institution/classes.html", classes=list(rows))


def _save(form: ClassForm, change):  # type: ignore[no-untyped-def]
    s = db_session()
    try:
        training_class = change(s)
    except RuleError as exc:
        s.rollback()
        field = getattr(form, exc.field or "", None)
        (field.errors.append if field is not None else lambda m: flash(m, "error"))(refusal(exc))
        return None
    s.commit()
    return training_class


@bp.route("/new", methods=["GET", "POST"])
@roles("institution")
def class_new():  # type: ignore[no-untyped-def]
    form = ClassForm()
    if form.validate_on_submit():
        created = _save(
            form, lambda s: service.create_class(s, actor_of(current_user), current_user.org_id, _input(form))
        )
        if created is not None:
            flash(_("Class %(code)s created. Now add its roster.", code=created.code), "info")
            return redirect(url_for("inst_classes.class_view", class_id=created.id))
    return render_template("institution/class_form.html", form=form, c=None)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
@roles("institution")
def class_edit(class_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    form = ClassForm(obj=training_class)
    if form.validate_on_submit():
        saved = _save(
            form, lambda s: service.update_class(s, actor_of(current_user), training_class, _input(form))
        )
        if saved is not None:
            flash(_("Changes saved."), "info")
            return redirect(url_for("inst_classes.class_view", class_id=class_id))
    return render_template("institution/class_form.html", form=form, c=training_class)


@bp.route("/<int:class_id>")
@roles("institution")
def class_view(class_id: int):  # type: ignore[no-untyped-def]
    return _detail(_own_class(class_id))


def _add(training_class: TrainingClass, check, **forms):  # type: ignore[no-untyped-def]
    s = db_session()
    keyring = current_app.extensions["examsvc.keys"]
    try:
        report = enrol.add_to_roster(s, actor_of(current_user), keyring, training_class, check, class_rules())
    except enrol.RosterRejected as exc:
        s.rollback()
        return _detail(training_class, problems=exc.problems, status=422, **forms)
    except RuleError as exc:
        s.rollback()
        flash(refusal(exc), "error")
        return redirect(url_for("inst_classes.class_view", class_id=training_class.id))
    s.commit()
    flash(_("%(count)d trainees added to the roster.", count=report.added), "info")
    if report.name_changes:
        flash(
            _(
                "%(count)d name(s) differ from the registered ones: sent to the bureau for review; "
                "until it decides, the registered names stand.",
                count=report.name_changes,
            ),
            "info",
        )
    return redirect(url_for("inst_classes.class_view", class_id=training_class.id))


@bp.route("/<int:class_id>/roster", methods=["POST"])
@roles("institution")
def roster_upload(class_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _detail(training_class, status=422, upload_form=form)
    upload = form.roster.data
    try:  # one byte past the limit is enough to refuse the file, naming the limit
        cells = read_cells(upload.read(ROSTER_LIMITS.max_bytes + 1), upload.filename or "")
    except SheetError as exc:
        form.roster.errors = [_(str(exc), **exc.params)]
        return _detail(training_class, status=422, upload_form=form)
    return _add(training_class, check_cells(cells), upload_form=form)


@bp.route("/<int:class_id>/trainees", methods=["POST"])
@roles("institution")
def trainee_add(class_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    form = TraineeForm()
    if not form.validate_on_submit():
        return _detail(training_class, status=422, trainee_form=form)
    # One trainee goes through exactly the checks of a roster file with one row.
    row = [
        form.name.data,
        form.id_type.data,
        form.id_number.data,
        form.phone.data or "",
        form.employer_name.data,
        form.employer_code.data,
        form.hours_completed.data or 0,
    ]
    return _add(
        training_class, check_cells([[key for key, *_ in COLUMNS], row]), trainee_form=form, single=True
    )


def _enrollment(training_class: TrainingClass, enrollment_id: int) -> Enrollment:
    enrollment = db_session().get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.class_id != training_class.id:
        abort(404)
    return enrollment


def _apply(training_class: TrainingClass, change, done: str):  # type: ignore[no-untyped-def]
    apply_change(change, done)
    return redirect(url_for("inst_classes.class_view", class_id=training_class.id))


@bp.route("/<int:class_id>/enrollments/<int:enrollment_id>/delete", methods=["POST"])
@roles("institution")
def enrollment_delete(class_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    enrollment = _enrollment(training_class, enrollment_id)
    return _apply(
        training_class,
        lambda s: enrol.remove_from_roster(s, actor_of(current_user), training_class, enrollment),
        _("Removed from the roster."),
    )


@bp.route("/<int:class_id>/enrollments/<int:enrollment_id>/hours", methods=["POST"])
@roles("institution")
def enrollment_hours(class_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    enrollment = _enrollment(training_class, enrollment_id)
    form = HoursForm()
    if not form.validate_on_submit():
        flash(_("Hours completed must be a whole number, 0 or more."), "error")
        return redirect(url_for("inst_classes.class_view", class_id=class_id))
    return _apply(
        training_class,
        lambda s: enrol.set_hours_completed(
            s, actor_of(current_user), training_class, enrollment, form.hours.data
        ),
        _("Hours saved."),
    )


@bp.route("/<int:class_id>/submit", methods=["POST"])
@roles("institution")
def class_submit(class_id: int):  # type: ignore[no-untyped-def]
    training_class = _own_class(class_id)
    return _apply(
        training_class,
        lambda s: service.submit(s, actor_of(current_user), training_class, class_rules()),
        _("Submitted to the bureau for approval."),
    )


@bp.route("/<int:class_id>/roster.<any(csv, xlsx):fmt>")
@roles("institution")
def roster_download(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return roster_export(_own_class(class_id), fmt)


@bp.route("/roster-template.<any(csv, xlsx):fmt>")
@roles("institution")
def roster_template(fmt: str):  # type: ignore[no-untyped-def]
    return template_download(fmt)
