from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.formutil import choices
from ..web.labels import CATEGORY_LABELS, INDUSTRY_LABELS, QUESTION_TYPE_LABELS, STATUS_LABELS, TOPIC_LABELS
from .codes import CATEGORIES
from .rules import OPTION_KEYS

_TRUE = {"true", "对", "√", "t", "yes"}
_FALSE = {"false", "错", "×", "x", "f", "no"}


def _choices(labels: dict, blank: bool = False) -> list[SelectChoice]:
    return choices(([("", _l("All"))] if blank else []) + list(labels.items()))


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (GET: no CSRF needed, nothing changes)."""

    class Meta:
        csrf = False

    type = SelectField(_l("Type"), choices=_choices(QUESTION_TYPE_LABELS, True), validators=[Optional()])
    topic = SelectField(_l("Topic"), choices=_choices(TOPIC_LABELS, True), validators=[Optional()])
    industry = SelectField(_l("Industry"), choices=_choices(INDUSTRY_LABELS, True), validators=[Optional()])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS, True), validators=[Optional()])
    difficulty = SelectField(
        _l("Difficulty"),
        choices=choices([("", _l("All"))] + [(d, d) for d in range(1, 6)]),
        validators=[Optional()],
    )
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS, True), validators=[Optional()])


class QuestionForm(FlaskForm):
    type = SelectField(_l("Type"), choices=_choices(QUESTION_TYPE_LABELS))
    topic = SelectField(_l("Topic"), choices=_choices(TOPIC_LABELS))
    industry = SelectField(_l("Industry"), choices=_choices(INDUSTRY_LABELS))
    categories = SelectMultipleField(
        _l("Personnel categories"),
        choices=_choices(CATEGORY_LABELS),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    difficulty = SelectField(_l("Difficulty"), choices=choices((d, d) for d in range(1, 6)))
    stem = TextAreaField(_l("Stem"))
    option_a = StringField("A")
    option_b = StringField("B")
    option_c = StringField("C")
    option_d = StringField("D")
    option_e = StringField(
        "E", description=_l("Leave E empty for four options; true/false questions have none.")
    )
    answer = StringField(_l("Answer"), description=_l("Letters such as B or ACD; for true/false: 对 or 错."))
    explanation = TextAreaField(_l("Explanation"))
    source = StringField(_l("Source (law and article)"))
    base_version = HiddenField()  # the version the form was filled from: a stale form is refused

    def base(self) -> int | None:
        return int(self.base_version.data) if (self.base_version.data or "").isdigit() else None

    def option_fields(self) -> list:  # type: ignore[type-arg]
        return [getattr(self, f"option_{k.lower()}") for k in OPTION_KEYS]

    def fill(self, record: dict[str, object]) -> None:
        """Put a stored question (authoring-format mapping) into the form."""
        for name in ("type", "topic", "industry", "stem", "explanation", "source"):
            getattr(self, name).data = record[name]
        self.categories.data = list(record["categories"])  # type: ignore[arg-type]
        self.difficulty.data = str(record["difficulty"])
        options = record.get("options") or {}
        for key, field in zip(OPTION_KEYS, self.option_fields(), strict=True):
            field.data = options.get(key, "")  # type: ignore[union-attr]
        answer = record["answer"]
        self.answer.data = ("对" if answer else "错") if isinstance(answer, bool) else str(answer)

    def to_record(self, external_id: str, status: str) -> dict[str, object]:
        """The form as an authoring-format mapping, for the same checks as an imported file."""
        qtype = self.type.data
        answer: object = (self.answer.data or "").strip()
        if qtype == "truefalse":
            lowered = str(answer).lower()
            answer = True if lowered in _TRUE else False if lowered in _FALSE else answer
        options = {
            k: f.data.strip()
            for k, f in zip(OPTION_KEYS, self.option_fields(), strict=True)
            if (f.data or "").strip()
        }
        record: dict[str, object] = {
            "id": external_id,
            "type": qtype,
            "topic": self.topic.data,
            "industry": self.industry.data,
            "categories": [c for c in CATEGORIES if c in (self.categories.data or [])],
            "difficulty": int(self.difficulty.data or 0),
            "status": status,
            "stem": self.stem.data or "",
            "answer": answer,
            "explanation": self.explanation.data or "",
            "source": self.source.data or "",
        }
        if options:
            record["options"] = options
        return record


class ReviseForm(QuestionForm):
    """A flagged question rewritten: the new version waits for a second officer's approval."""

    reason = StringField(_l("What the revision changes, and why"))
