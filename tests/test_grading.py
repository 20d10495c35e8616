"""Grading answer sheets: every question type, through each seat's shuffled letters."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examsvc.exams.grading import Marking, entry_layout, grade, parse_sheet, seat_key
from examsvc.papers.variants import LETTERS, SeatQuestion, SeatVariant, seat_variant

from .paper_helpers import right_sheet

QUESTIONS = [
    {"type": "truefalse", "answer": "true", "points_tenths": 10},
    {"type": "truefalse", "answer": "false", "points_tenths": 10},
    {"type": "single", "answer": "C", "points_tenths": 15, "options": dict.fromkeys("ABCD", "x")},
    {"type": "single", "answer": "A", "points_tenths": 15, "options": dict.fromkeys("ABCD", "x")},
    {"type": "multiple", "answer": "ABD", "points_tenths": 20, "options": dict.fromkeys("ABCDE", "x")},
]


def _variant(seed: int, seat: int = 1):  # type: ignore[no-untyped-def]
    keys = [tuple(sorted(q.get("options", {}))) for q in QUESTIONS]
    return seat_variant(seed, "2026-00001", "first", seat, [q["type"] for q in QUESTIONS], keys)


def _plain_variant():  # type: ignore[no-untyped-def]
    """A seat printed in the paper's own order and letters, to read the cases plainly."""
    keys = [tuple(sorted(q.get("options", {}))) for q in QUESTIONS]
    return SeatVariant(1, "plain", tuple(SeatQuestion(i, i + 1, keys[i]) for i in range(len(QUESTIONS))))


def _printed_key(variant) -> str:  # type: ignore[no-untyped-def]
    return right_sheet(QUESTIONS, variant)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**62), seat=st.integers(1, 80))
def test_the_right_answers_on_any_seat_score_full_marks(seed, seat):
    variant = _variant(seed, seat)
    key = seat_key(QUESTIONS, variant)
    answers, problems = parse_sheet(_printed_key(variant), key)
    assert problems == []
    assert grade(answers, key).score_tenths == sum(q["points_tenths"] for q in QUESTIONS)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**62), seat=st.integers(1, 80), data=st.data())
def test_any_sheet_scores_what_the_canonical_letters_deserve(seed, seat, data):
    """The compiled seat key agrees with mapping each printed answer back to the paper's letters."""
    variant = _variant(seed, seat)
    key = seat_key(QUESTIONS, variant)
    tokens, expected = [], 0
    for sq in variant.questions:
        q = QUESTIONS[sq.index]
        if q["type"] == "truefalse":
            token = data.draw(st.sampled_from(["对", "错", "-"]))
            right = token != "-" and (token == "对") == (q["answer"] == "true")
        else:
            n = len(sq.options)
            size = 1 if q["type"] == "single" else data.draw(st.integers(1, n))
            token = "".join(sorted(data.draw(st.permutations(LETTERS[:n]))[:size]))
            right = variant.to_canonical(sq.number, token) == q["answer"]
        tokens.append(token)
        expected += q["points_tenths"] if right else 0
    answers, problems = parse_sheet(" ".join(tokens), key)
    assert problems == []
    assert grade(answers, key).score_tenths == expected


def test_each_type_without_shuffling():
    key = seat_key(QUESTIONS, _plain_variant())
    cases = [
        ("对 错 C A ABD", 70),
        ("错 错 C A ABD", 60),  # true/false wrong
        ("对 错 B A ABD", 55),  # single wrong
        ("对 错 C A AB", 50),  # multiple incomplete: all or nothing
        ("对 错 C A ABDE", 50),  # multiple with a wrong letter
        ("- - - - -", 0),  # all blank
        ("√ × c a abd", 70),  # other spellings, lower case
    ]
    for sheet, score in cases:
        answers, problems = parse_sheet(sheet, key)
        assert problems == [], sheet
        assert grade(answers, key).score_tenths == score, sheet


def test_partial_credit_for_a_correct_subset_when_configured():
    variant = _variant(11)
    key = seat_key(QUESTIONS, variant)
    multiple = next(i for i, item in enumerate(key.items) if item.type == "multiple")
    tokens = _printed_key(variant).split()
    tokens[multiple] = sorted(key.items[multiple].correct)[0]  # one right letter of three
    answers, _ = parse_sheet(" ".join(tokens), key)
    assert grade(answers, key).score_tenths == 50
    assert grade(answers, key, Marking(partial_credit_percent=50)).score_tenths == 60


@pytest.mark.parametrize(
    ("sheet", "number", "words"),
    [
        ("对 错 C A", 0, "4 answers typed for 5 questions"),
        ("对 错 C A ABD 对", 0, "6 answers"),
        ("是 错 C A ABD", 1, "对 or 错"),
        ("对 错 CD A ABD", 3, "one letter"),
        ("对 错 C A ABF", 5, "letters ABCDE"),
        ("对 错 C A AAB", 5, "each once"),
        ("对 错 E A ABD", 3, "letters ABCD"),
    ],
)
def test_typing_mistakes_are_named_by_question(sheet, number, words):
    answers, problems = parse_sheet(sheet, seat_key(QUESTIONS, _plain_variant()))
    assert [p.number for p in problems] == [number]
    assert words in problems[0].text()


def test_separators_are_forgiving():
    variant = _variant(5)
    key = seat_key(QUESTIONS, variant)
    sheet = _printed_key(variant)
    for other in (sheet.replace(" ", ","), sheet.replace(" ", "，"), "  " + sheet.replace(" ", "\n") + " "):
        assert parse_sheet(other, key)[1] == []


def test_grading_is_deterministic_for_random_sheets():
    rng = random.Random(1)
    variant = _variant(9)
    key = seat_key(QUESTIONS, variant)
    sheets = [" ".join(rng.choice(["对", "错", "A", "AB", "-"]) for _ in QUESTIONS) for _ in range(50)]
    first = [parse_sheet(s, key) for s in sheets]
    assert first == [parse_sheet(s, key) for s in sheets]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), seat=st.integers(1, 80))
def test_the_touch_grid_fits_every_seat_and_holds_no_key(seed, seat):
    mixed = [
        *QUESTIONS,
        {"type": "single", "answer": "B", "points_tenths": 15, "options": dict.fromkeys("ABC", "")},
    ]
    keys = [tuple(sorted(q.get("options", {}))) for q in mixed]
    variant = seat_variant(seed, "2026-00001", "first", seat, [q["type"] for q in mixed], keys)
    key = seat_key(mixed, variant)
    layout = entry_layout(mixed)
    assert [t for t, _ in layout] == [item.type for item in key.items]  # same type at each printed number
    for (qtype, marks), item in zip(layout, key.items, strict=True):
        assert marks == "对错" if qtype == "truefalse" else set(LETTERS[: item.options]) <= set(marks)
    assert "answer" not in repr(layout) and all(len(marks) in {2, 4, 5} for _, marks in layout)
