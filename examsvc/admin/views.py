"""Administration: users and organisations (admins only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from ..audit.models import AuditEvent
from ..auth import service as users
from ..auth import throttle
from ..auth.models import User
from ..core.db import db_session
from ..core.msgid import RuleError
from ..orgs import service as orgs
from ..orgs.models import Organisation
from ..web.access import roles
from ..web.formutil import choices
from ..web.viewutil import clock_now, get_or_404, refusal
from .forms import ConfirmForm, OrganisationForm, PasswordResetForm, UserCreateForm, UserEditForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

T = TypeVar("T")


def _actor():  # type: ignore[no-untyped-def]
    return users.actor_of(current_user)


def _hasher():  # type: ignore[no-untyped-def]
    return current_app.extensions["examsvc.hasher"]


def _org_choices() -> list[SelectChoice]:
    rows = db_session().scalars(
        select(Organisation)
        .where(Organisation.active.is_(True))
        .order_by(Organisation.kind, Organisation.name)
    )
    return choices((o.id, f"{o.name} ({o.code})") for o in rows)


def _submit(form: FlaskForm, change: Callable[[Session], T]) -> T | None:
    """For a valid submitted form: run the change and commit, or show the refusal on its field."""
    if not form.validate_on_submit():
        return None
    s = db_session()
    try:
        result = change(s)
    except RuleError as exc:
        s.rollback()
        message = refusal(exc)
        field = getattr(form, exc.field, None) if exc.field else None
        if field is not None:
            field.errors.append(message)
        else:
            flash(message, "error")
        return None
    s.commit()
    return result


@bp.route("/")
@roles("admin")
def home():  # type: ignore[no-untyped-def]
    s = db_session()
    user_counts = dict(s.execute(select(User.role, func.count()).group_by(User.role)).all())
    org_counts = dict(s.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    audit_entries = s.scalar(select(func.count()).select_from(AuditEvent))
    attacked = throttle.under_attack(s, throttle.limits_of(current_app.config["EXAMSVC"]), clock_now())
    return render_template(
        "admin/home.html",
        user_counts=user_counts,
        org_counts=org_counts,
        audit_entries=audit_entries,
        attacked=attacked,
    )


@bp.route("/users")
@roles("admin")
def user_list():  # type: ignore[no-untyped-def]
    rows = db_session().scalars(select(User).order_by(User.role, User.username))
    return render_template("admin/users.html", users=list(rows))


@bp.route("/users/new", methods=["GET", "POST"])
@roles("admin")
def user_new():  # type: ignore[no-untyped-def]
    form = UserCreateForm()
    form.org_id.choices = _org_choices()
    user = _submit(
        form,
        lambda s: users.create_user(
            s,
            _actor(),
            _hasher(),
            username=form.username.data,
            display_name=form.display_name.data,
            role=form.role.data,
            org_id=form.org_id.data,
            password=form.password.data,
        ),
    )
    if user is not None:
        flash(_("User %(name)s created.", name=user.username), "info")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    form.org_id.choices = _org_choices()
    saved = _submit(
        form,
        lambda s: users.update_user(
            s,
            _actor(),
            user,
            display_name=form.display_name.data,
            role=form.role.data,
            org_id=form.org_id.data,
            active=form.active.data,
        ),
    )
    if saved:
        flash(_("Changes saved."), "info")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        password_form=PasswordResetForm(),
        confirm=ConfirmForm(),
        waiting=throttle.waiting_clients(db_session(), user, clock_now()),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles("admin")
def user_password(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id)
    form = PasswordResetForm()
    if _submit(form, lambda s: users.set_password(s, _actor(), _hasher(), user, form.password.data)):
        flash(_("Password reset. The user's open sessions were ended."), "info")
    for error in form.password.errors:
        flash(error, "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/totp-reset", methods=["POST"])
@roles("admin")
def user_totp_reset(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id)
    if _submit(ConfirmForm(), lambda s: users.reset_totp(s, _actor(), user)):
        flash(_("Second factor reset: the user enrols a new authenticator at the next sign-in."), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/throttle-clear", methods=["POST"])
@roles("admin")
def user_throttle_clear(user_id: int):  # type: ignore[no-untyped-def]
    """Lets every client try this account again at once (e.g. after a colleague's typing errors)."""
    user = get_or_404(User, user_id)
    if _submit(ConfirmForm(), lambda s: throttle.clear(s, _actor(), user)) is not None:
        flash(_("Waits cleared: the user can sign in again from any device."), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/orgs")
@roles("admin")
def org_list():  # type: ignore[no-untyped-def]
    rows = db_session().scalars(select(Organisation).order_by(Organisation.kind, Organisation.name))
    return render_template("admin/orgs.html", orgs=list(rows))


@bp.route("/orgs/new", methods=["GET", "POST"])
@roles("admin")
def org_new():  # type: ignore[no-untyped-def]
    form = OrganisationForm()
    org = _submit(
        form,
        lambda s: orgs.create_organisation(
            s,
            _actor(),
            kind=form.kind.data,
            code=form.code.data,
            name=form.name.data,
            county_code=form.county_code.data,
        ),
    )
    if org is not None:
        flash(_("Organisation %(name)s created.", name=org.name), "info")
        return redirect(url_for("admin.org_list"))
    return render_template("admin/org_form.html", form=form, org=None)


@bp.route("/orgs/<int:org_id>", methods=["GET", "POST"])
@roles("admin")
def org_edit(org_id: int):  # type: ignore[no-untyped-def]
    org = get_or_404(Organisation, org_id)
    form = OrganisationForm(obj=org)
    del form.kind  # the kind of an organisation is fixed at creation
    saved = _submit(
        form,
        lambda s: orgs.update_organisation(
            s,
            _actor(),
            org,
            name=form.name.data,
            code=form.code.data,
            county_code=form.county_code.data,
            active=form.active.data,
        ),
    )
    if saved:
        flash(_("Changes saved."), "info")
        return redirect(url_for("admin.org_list"))
    members = db_session().scalars(select(User).where(User.org_id == org.id).order_by(User.username))
    return render_template("admin/org_form.html", form=form, org=org, members=list(members))
