from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..web.formutil import choices
from ..web.labels import CATEGORY_LABELS, INDUSTRY_LABELS


class BlueprintForm(FlaskForm):
    industry = SelectField(_l("Industry"), choices=choices(INDUSTRY_LABELS.items()))
    category = SelectField(
        _l("Personnel category"), choices=choices([("any", _l("Any")), *CATEGORY_LABELS.items()])
    )
    truefalse_count = IntegerField(
        _l("True/false: questions"), validators=[InputRequired(), NumberRange(0, 200)]
    )
    truefalse_points = DecimalField(
        _l("True/false: points each"), places=1, validators=[InputRequired(), NumberRange(0, 20)]
    )
    single_count = IntegerField(
        _l("Single choice: questions"), validators=[InputRequired(), NumberRange(0, 200)]
    )
    single_points = DecimalField(
        _l("Single choice: points each"), places=1, validators=[InputRequired(), NumberRange(0, 20)]
    )
    multiple_count = IntegerField(
        _l("Multiple choice: questions"), validators=[InputRequired(), NumberRange(0, 200)]
    )
    multiple_points = DecimalField(
        _l("Multiple choice: points each"), places=1, validators=[InputRequired(), NumberRange(0, 20)]
    )
    full_mark = IntegerField(_l("Full mark"), validators=[InputRequired(), NumberRange(1, 1000)])
    pass_mark = IntegerField(_l("Pass mark"), validators=[InputRequired(), NumberRange(1, 1000)])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(), NumberRange(10, 300)]
    )
    partial_credit_percent = IntegerField(
        _l("Multiple choice: per cent of the points for a right but incomplete answer (0: all or nothing)"),
        default=0,
        validators=[Optional(), NumberRange(0, 100)],  # left empty: all or nothing
    )
    min_per_topic = IntegerField(
        _l("Questions at least per required law and the documentary"),
        validators=[InputRequired(), NumberRange(0, 50)],
    )
    industry_share_percent = IntegerField(
        _l("Industry-specific questions, at least (%)"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    target_difficulty = DecimalField(
        _l("Target mean difficulty (1–5)"), places=1, validators=[InputRequired(), NumberRange(1, 5)]
    )


class GenerateForm(FlaskForm):
    sitting = SelectField(
        _l("Sitting"), choices=choices([("first", _l("First sitting")), ("retake", _l("Retake"))])
    )
