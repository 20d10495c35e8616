"""Exam-day rules: proctor assignment and the one retake, table by table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from examsvc.exams.assignment import (
    ProctorFacts,
    SittingFacts,
    Window,
    assignment_problems,
    required_proctors,
    suggest,
)
from examsvc.exams.attempts import Attempt, may_sit, state

NINE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing time
SITTING = SittingFacts(
    Window(NINE, NINE + timedelta(minutes=90)),
    "450123",
    institution_ids=frozenset({10}),
    employer_ids=frozenset({20, 21}),
    candidates=25,
)


def proctor(user_id: int, **overrides) -> ProctorFacts:  # type: ignore[no-untyped-def]
    facts = {
        "user_id": user_id,
        "name": f"p{user_id}",
        "org_kind": "county",
        "county_code": "450123",
        "affiliations": frozenset(),
        "busy": (),
        "load": 0,
    }
    return ProctorFacts(**{**facts, **overrides})


@pytest.mark.parametrize(("candidates", "need"), [(0, 2), (29, 2), (30, 3), (59, 3), (60, 4), (80, 4)])
def test_proctors_needed(candidates, need):
    assert required_proctors(candidates) == need


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        ({"affiliations": frozenset({10})}, "training institution"),
        ({"affiliations": frozenset({21})}, "employer of a candidate"),
        ({"org_kind": "institution"}, "not from a county"),
        ({"busy": (Window(NINE + timedelta(minutes=80), NINE + timedelta(hours=3)),)}, "another sitting"),
    ],
)
def test_each_conflict_is_refused_with_its_reason(facts, words):
    problems = assignment_problems([proctor(1, **facts), proctor(2)], SITTING)
    assert [p.user_id for p in problems] == [1] and words in problems[0].text()


def test_back_to_back_sittings_do_not_overlap():
    busy = (Window(NINE + timedelta(minutes=90), NINE + timedelta(hours=3)),)
    assert assignment_problems([proctor(1, busy=busy), proctor(2)], SITTING) == []


def test_too_few_proctors():
    problems = assignment_problems([proctor(1)], SITTING)
    assert problems and "at least 2 proctors" in problems[0].text()
    big = SittingFacts(SITTING.window, "450123", frozenset({10}), frozenset(), candidates=61)
    assert "at least 4" in assignment_problems([proctor(1), proctor(2), proctor(3)], big)[0].text()


def test_suggestion_balances_load_and_prefers_the_venues_county():
    pool = [
        proctor(1, load=5),
        proctor(2, load=0, county_code="450124"),
        proctor(3, load=1),
        proctor(4, load=0, affiliations=frozenset({20})),  # conflict: never suggested
        proctor(5, load=2),
    ]
    assert [p.user_id for p in suggest(pool, SITTING)] == [3, 5]
    assert assignment_problems(suggest(pool, SITTING), SITTING) == []


A = Attempt
RETAKE_TABLE = [
    ([], "awaiting_exam", True, False),
    ([A("first", "passed")], "passed", False, False),
    ([A("first", "failed")], "retake_pending", False, True),
    ([A("first", "absent")], "retake_pending", False, True),
    ([A("first", "absent_excused")], "retake_pending", False, True),
    ([A("first", "failed"), A("retake", "passed")], "passed", False, False),
    ([A("first", "failed"), A("retake", "failed")], "must_retrain", False, False),
    ([A("first", "absent"), A("retake", "absent")], "must_retrain", False, False),
]


@pytest.mark.parametrize(("attempts", "expected", "first", "retake"), RETAKE_TABLE)
def test_the_one_retake(attempts, expected, first, retake):
    assert state(attempts) == expected
    assert may_sit(attempts, "first") is first
    assert may_sit(attempts, "retake") is retake
