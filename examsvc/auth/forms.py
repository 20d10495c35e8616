from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message=_l("Enter the 6 digits.")),  # ASCII only
        ],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=256)])
    repeat = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two new passwords differ."))],
    )
