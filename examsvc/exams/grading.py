"""Answer sheets: reading what a proctor typed, and grading it against the seat's key. Pure.

A sheet is typed in the printed order of the seat's copy, one token per question, separated by
spaces or commas: letters for choice questions (`B`, `ACD`, lower case too), 对/错 (or √/×, T/F)
for true/false, and `-` for a question left blank. The key is turned into the seat's printed
letters once per seat, so grading a sheet is a comparison per question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..core.msgid import N_
from ..papers.variants import LETTERS, SECTION_ORDER, SeatVariant, seat_variant

TRUE_TOKENS = frozenset({"对", "√", "✓", "T", "TRUE", "Y"})
FALSE_TOKENS = frozenset({"错", "×", "✗", "X", "F", "FALSE", "N"})
BLANK_TOKENS = frozenset({"-", "_", "—"})
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class SheetProblem:
    number: int  # printed question number; 0 for the sheet as a whole
    message: str  # msgid
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


@dataclass(frozen=True)
class KeyItem:
    type: str
    points_tenths: int
    options: int  # how many options this question prints (0 for true/false)
    correct: frozenset[str] | bool  # printed letters, or the true/false answer


@dataclass(frozen=True)
class SeatKey:
    """The paper's key in one seat's printed order and letters."""

    items: tuple[KeyItem, ...]


def seat_key(questions: Sequence[Mapping[str, object]], variant: SeatVariant) -> SeatKey:
    items = []
    for sq in variant.questions:
        q = questions[sq.index]
        if q["type"] == "truefalse":
            items.append(KeyItem("truefalse", int(q["points_tenths"]), 0, q["answer"] == "true"))
            continue
        printed = {canonical: LETTERS[i] for i, canonical in enumerate(sq.options)}
        correct = frozenset(printed[letter] for letter in str(q["answer"]))
        items.append(KeyItem(str(q["type"]), int(q["points_tenths"]), len(sq.options), correct))
    return SeatKey(tuple(items))


def paper_seat_variant(payload: Mapping[str, object], seed: int, seat: int) -> SeatVariant:
    """One seat's order of questions and options of an opened paper (its payload and seed)."""
    questions: list = payload["questions"]  # type: ignore[assignment]
    return seat_variant(
        seed,
        str(payload["class"]),
        str(payload["sitting"]),
        seat,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options") or {})) for q in questions],
    )


def paper_seat_key(payload: Mapping[str, object], seed: int, seat: int) -> SeatKey:
    """The key of one seat's copy of an opened paper (its payload and seed)."""
    return seat_key(payload["questions"], paper_seat_variant(payload, seed, seat))  # type: ignore[arg-type]


def entry_layout(questions: Sequence[Mapping[str, object]]) -> list[tuple[str, str]]:
    """What a touch grid offers per printed question: its type, and the marks any seat's copy may carry
    there. Seats shuffle only within a section, so the type at each position is the same for all
    seats; the letters are those of the section's longest question. Holds nothing of the key."""
    layout: list[tuple[str, str]] = []
    for section in SECTION_ORDER:
        members = [q for q in questions if q["type"] == section]
        widest = max((len(q.get("options") or {}) for q in members), default=0)  # type: ignore[arg-type]
        layout += [(section, "对错" if section == "truefalse" else LETTERS[:widest])] * len(members)
    return layout


Answer = frozenset[str] | bool | None  # letters, true/false, or blank


def parse_sheet(text: str, key: SeatKey) -> tuple[list[Answer], list[SheetProblem]]:
    """The typed sheet as one answer per question, or every problem found (by question number)."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    problems: list[SheetProblem] = []
    if len(tokens) != len(key.items):
        problems.append(
            SheetProblem(
                0,
                N_("%(found)d answers typed for %(count)d questions"),
                (("found", len(tokens)), ("count", len(key.items))),
            )
        )
        return [], problems
    answers: list[Answer] = []
    for number, (token, item) in enumerate(zip(tokens, key.items, strict=True), start=1):
        token = token.upper()
        if token in BLANK_TOKENS:
            answers.append(None)
        elif item.type == "truefalse":
            if token in TRUE_TOKENS or token in FALSE_TOKENS:
                answers.append(token in TRUE_TOKENS)
            else:
                problems.append(SheetProblem(number, N_("a true/false answer is 对 or 错")))
                answers.append(None)
        else:
            letters = frozenset(token)
            allowed = set(LETTERS[: item.options])
            if not letters <= allowed or len(letters) != len(token):
                problems.append(
                    SheetProblem(
                        number, N_("letters %(allowed)s, each once"), (("allowed", "".join(sorted(allowed))),)
                    )
                )
                answers.append(None)
            elif item.type == "single" and len(letters) != 1:
                problems.append(SheetProblem(number, N_("a single-choice answer is one letter")))
                answers.append(None)
            else:
                answers.append(letters)
    return answers, problems


@dataclass(frozen=True)
class Marking:
    partial_credit_percent: int = 0  # multiple choice: credit for a correct but incomplete answer


@dataclass(frozen=True)
class Grade:
    score_tenths: int
    correct: tuple[bool, ...]


def item_points(answer: Answer, item: KeyItem, marking: Marking = Marking()) -> int:
    """The points (in tenths) one answer earns: all of them when right; for a multiple-choice answer
    with only right letters but not all of them, the blueprint's partial credit."""
    if answer is not None and answer == item.correct:
        return item.points_tenths
    if (
        item.type == "multiple"
        and marking.partial_credit_percent
        and isinstance(answer, frozenset)
        and answer
        and answer < item.correct  # type: ignore[operator]
    ):
        return item.points_tenths * marking.partial_credit_percent // 100
    return 0


def grade(answers: Sequence[Answer], key: SeatKey, marking: Marking = Marking()) -> Grade:
    score, correct = 0, []
    for answer, item in zip(answers, key.items, strict=True):
        correct.append(answer is not None and answer == item.correct)
        score += item_points(answer, item, marking)
    return Grade(score, tuple(correct))


def key_sheet(key: SeatKey) -> str:
    """The sheet of someone who knows every answer (demo data, and checks of a printed paper)."""
    return " ".join(
        ("对" if item.correct else "错") if item.type == "truefalse" else "".join(sorted(item.correct))  # type: ignore[arg-type]
        for item in key.items
    )
