from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.models import ROLES
from ..orgs.models import ORG_KINDS
from ..web.formutil import choices
from ..web.labels import KIND_LABELS, ROLE_LABELS


def role_choices() -> list[SelectChoice]:
    return choices((role, ROLE_LABELS[role]) for role in ROLES)


def kind_choices() -> list[SelectChoice]:
    return choices((kind, KIND_LABELS[kind]) for kind in ORG_KINDS)


class OrganisationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=kind_choices)
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[0-9A-Z]+$", message=_l("Digits and capital letters only.")),
        ],
        description=_l("Division code for the bureau and counties; unified social credit code for others."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    county_code = StringField(
        _l("County code"),
        validators=[Optional(), Regexp(r"^\d{6}$", message=_l("Six digits."))],
    )
    active = BooleanField(_l("Active"), default=True)


class UserCreateForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    org_id = SelectField(_l("Organisation"), coerce=int)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    org_id = SelectField(_l("Organisation"), coerce=int)
    active = BooleanField(_l("Active"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-button actions."""
