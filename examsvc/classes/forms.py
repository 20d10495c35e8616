from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from ..core.identity import DOCUMENT_TYPES
from ..web.formutil import choices
from ..web.labels import CATEGORY_LABELS, INDUSTRY_LABELS
from .roster import MAX_HOURS

DOCUMENT_LABELS = {
    "id_card": _l("Resident ID card"),
    "passport": _l("Passport"),
    "hk_macao_permit": _l("Mainland travel permit for Hong Kong and Macao residents"),
    "taiwan_permit": _l("Mainland travel permit for Taiwan residents"),
}


def _hours(label):  # type: ignore[no-untyped-def]
    # InputRequired, not DataRequired: 0 hours is a valid answer.
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=500)], default=0)


class ClassForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    industry = SelectField(
        _l("Industry"), choices=choices((k, v) for k, v in INDUSTRY_LABELS.items() if k != "general")
    )
    category = SelectField(_l("Personnel category"), choices=choices(CATEGORY_LABELS.items()))
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=120)])
    venue_county_code = StringField(
        _l("County of the venue (6-digit division code)"),
        validators=[DataRequired(), Regexp(r"^\d{6}$", message=_l("Six digits."))],
    )
    hours_online = _hours(_l("Online hours"))
    hours_offline = _hours(_l("Offline classroom hours"))
    hours_practical = _hours(_l("Practical training hours"))


class RosterUploadForm(FlaskForm):
    roster = FileField(
        _l("Roster file (.csv or .xlsx)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Upload a .csv or .xlsx file."))],
    )


class TraineeForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])
    id_type = SelectField(
        _l("Document type"), choices=choices((t, DOCUMENT_LABELS[t]) for t in DOCUMENT_TYPES)
    )
    id_number = StringField(_l("Document number"), validators=[DataRequired(), Length(max=30)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=20)])
    employer_name = StringField(_l("Employer"), validators=[DataRequired(), Length(max=120)])
    employer_code = StringField(
        _l("Employer's unified social credit code"), validators=[DataRequired(), Length(max=18)]
    )
    hours_completed = IntegerField(
        _l("Hours completed"), validators=[Optional(), NumberRange(min=0, max=MAX_HOURS)], default=0
    )


class HoursForm(FlaskForm):
    hours = IntegerField(
        _l("Hours completed"), validators=[InputRequired(), NumberRange(min=0, max=MAX_HOURS)]
    )


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the institution reads it)"), validators=[DataRequired(), Length(max=500)]
    )


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG or PNG)"), validators=[FileRequired()])
