from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.formutil import choices


class SittingForm(FlaskForm):
    kind = SelectField(
        _l("Sitting"), choices=choices([("first", _l("First sitting")), ("retake", _l("Retake"))])
    )
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=120)])
    county_code = StringField(
        _l("County of the venue (6-digit division code)"),
        validators=[DataRequired(), Regexp(r"^\d{6}$", message=_l("Six digits."))],
    )
    starts_at = DateTimeLocalField(
        _l("Exam starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(), NumberRange(10, 300)]
    )
    marking = SelectField(
        _l("Marking"),
        choices=choices(
            [
                ("sheet", _l("Proctors type the answer sheets; the server grades them")),
                ("score", _l("Marked by hand; proctors type each total")),
            ]
        ),
        default="sheet",
    )


class RescheduleForm(FlaskForm):
    starts_at = DateTimeLocalField(
        _l("New start (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class AssignForm(FlaskForm):
    proctors = SelectMultipleField(
        _l("Proctors"), coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False)
    )


class MoveForm(FlaskForm):
    target = SelectField(_l("Move to the sitting"), coerce=int, validators=[InputRequired()])
    reason = StringField(
        _l("Reason (e.g. a medical certificate, a cancelled sitting)"),
        validators=[DataRequired(), Length(max=300)],
    )
