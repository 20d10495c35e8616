"""Pure rules of a question record: what the authoring files, the bundle and the edit form must hold.

A record is a plain mapping (as parsed from YAML or JSON). `problems()` lists everything wrong
with it, field by field, so a user can fix a file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.msgid import N_
from .codes import CATEGORIES, GENERAL, INDUSTRIES, QUESTION_TYPES, STATUSES, TOPICS

EXTERNAL_ID = re.compile(r"^[a-z][a-z0-9_]{0,15}-[0-9]{4,6}$")
OPTION_KEYS = "ABCDE"
MAX_TEXT = 2000
FIELDS = {
    "id",
    "type",
    "industry",
    "categories",
    "difficulty",
    "stem",
    "options",
    "answer",
    "explanation",
    "source",
}
OPTIONAL_FIELDS = {"topic", "status"}  # topic defaults to the file's; status to active


@dataclass(frozen=True)
class Problem:
    field: str
    message: str  # a msgid; params fill it
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


@dataclass(frozen=True)
class QuestionRecord:
    """A valid question: metadata in clear, content to be sealed."""

    external_id: str
    type: str
    industry: str
    topic: str
    categories: tuple[str, ...]
    difficulty: int
    status: str
    stem: str
    options: tuple[tuple[str, str], ...]  # (key, text) in key order; empty for true/false
    answer: str  # "B", "ACD", "true" or "false"
    explanation: str
    source: str

    def content(self) -> dict[str, object]:
        """What is encrypted: everything a trainee must not see before the exam."""
        return {
            "stem": self.stem,
            "options": dict(self.options),
            "answer": self.answer,
            "explanation": self.explanation,
            "source": self.source,
        }

    def selection_metadata(self) -> dict[str, object]:
        return {
            "type": self.type,
            "industry": self.industry,
            "topic": self.topic,
            "categories": self.categories,
            "difficulty": self.difficulty,
        }


def _text(record: Mapping[str, object], field: str, out: list[Problem]) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value.strip():
        out.append(Problem(field, N_("is required and must be text")))
        return ""
    if len(value) > MAX_TEXT:
        out.append(Problem(field, N_("is longer than %(max)d characters"), (("max", MAX_TEXT),)))
    return value.strip()


def _options(record: Mapping[str, object], qtype: str, out: list[Problem]) -> tuple[tuple[str, str], ...]:
    options = record.get("options")
    if qtype == "truefalse":
        if options not in (None, {}):
            out.append(Problem("options", N_("a true/false question has no options")))
        return ()
    if not isinstance(options, Mapping):
        out.append(Problem("options", N_("needs 4 or 5 options keyed A, B, C, D (E)")))
        return ()
    keys = [str(k) for k in options]
    if not 4 <= len(keys) <= 5 or keys != list(OPTION_KEYS[: len(keys)]):
        out.append(
            Problem(
                "options",
                N_("keys must be A, B, C, D (and E), in order; found %(keys)s"),
                (("keys", ",".join(keys)),),
            )
        )
    texts = []
    for key, value in options.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
            out.append(Problem("options", N_("option %(key)s is empty"), (("key", key),)))
        texts.append(str(value).strip())
    if len(set(texts)) != len(texts):
        out.append(Problem("options", N_("two options have the same text")))
    return tuple((str(k), str(v).strip()) for k, v in options.items())


def _answer(record: Mapping[str, object], qtype: str, keys: set[str], out: list[Problem]) -> str:
    answer = record.get("answer")
    if qtype == "truefalse":
        if not isinstance(answer, bool):
            out.append(Problem("answer", N_("a true/false answer is true or false")))
            return ""
        return "true" if answer else "false"
    letters = str(answer or "").replace(" ", "").replace(",", "").upper()
    if not letters or any(ch not in keys for ch in letters):
        out.append(
            Problem("answer", N_("must be letters of the options, found %(answer)s"), (("answer", answer),))
        )
        return ""
    if qtype == "single" and len(letters) != 1:
        out.append(Problem("answer", N_("a single-choice question has exactly one correct option")))
    if qtype == "multiple":
        if len(letters) < 2:
            out.append(Problem("answer", N_("a multiple-choice question has at least two correct options")))
        if list(letters) != sorted(set(letters)):
            out.append(Problem("answer", N_("letters must be in order and not repeated, e.g. ACD")))
    return letters


def check_record(
    record: Mapping[str, object], default_topic: str | None = None
) -> QuestionRecord | list[Problem]:
    """A QuestionRecord when the record is valid, else every problem found."""
    out: list[Problem] = []
    unknown = sorted(set(map(str, record)) - FIELDS - OPTIONAL_FIELDS)
    for field in unknown:
        out.append(Problem(field, N_("unknown field (a typo?)")))
    external_id = str(record.get("id") or "")
    if not EXTERNAL_ID.match(external_id):
        out.append(Problem("id", N_("must look like wsl-0001 (prefix, dash, 4 to 6 digits)")))
    qtype = record.get("type")
    if qtype not in QUESTION_TYPES:
        out.append(Problem("type", N_("must be single, multiple or truefalse")))
    industry = record.get("industry")
    if industry != GENERAL and industry not in INDUSTRIES:
        out.append(Problem("industry", N_("unknown industry %(value)s"), (("value", industry),)))
    topic = record.get("topic", default_topic)
    if topic not in TOPICS:
        out.append(Problem("topic", N_("unknown topic %(value)s"), (("value", topic),)))
    categories = record.get("categories")
    if (
        not isinstance(categories, list)
        or not categories
        or any(c not in CATEGORIES for c in categories)
        or len(set(categories)) != len(categories)
    ):
        out.append(
            Problem("categories", N_("must be a list of leader, manager, team_leader without repeats"))
        )
        categories = []
    difficulty = record.get("difficulty")
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or not 1 <= difficulty <= 5:
        out.append(Problem("difficulty", N_("must be a whole number from 1 to 5")))
    status = record.get("status", "active")
    if status not in STATUSES:
        out.append(Problem("status", N_("must be draft, active or retired")))
    stem = _text(record, "stem", out)
    explanation = _text(record, "explanation", out)
    source = _text(record, "source", out)
    options = _options(record, str(qtype), out) if qtype in QUESTION_TYPES else ()
    answer = _answer(record, str(qtype), {k for k, _ in options}, out) if qtype in QUESTION_TYPES else ""
    if out:
        return out
    return QuestionRecord(
        external_id=external_id,
        type=str(qtype),
        industry=str(industry),
        topic=str(topic),
        categories=tuple(c for c in CATEGORIES if c in categories),
        difficulty=int(difficulty),  # type: ignore[arg-type]
        status=str(status),
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation,
        source=source,
    )


def record_from(
    metadata: Mapping[str, object], content: Mapping[str, object], external_id: str, status: str
) -> dict:
    """The authoring-format mapping of a stored question (for export and the edit form)."""
    answer: object = content["answer"]
    if metadata["type"] == "truefalse":
        answer = answer == "true"
    record = {
        "id": external_id,
        "type": metadata["type"],
        "industry": metadata["industry"],
        "topic": metadata["topic"],
        "categories": list(metadata["categories"]),
        "difficulty": metadata["difficulty"],
        "status": status,
        "stem": content["stem"],
        "answer": answer,
        "explanation": content["explanation"],
        "source": content["source"],
    }
    if content.get("options"):
        record["options"] = dict(content["options"])
    return record
