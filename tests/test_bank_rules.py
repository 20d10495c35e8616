"""The rules of a question record, each at its edge; and the starter bank itself."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from examsvc.cli import main
from examsvc.questions.authoring import bank_files, read_paths, read_text
from examsvc.questions.codes import REQUIRED_TOPICS
from examsvc.questions.rules import QuestionRecord, check_record

BANK = Path(__file__).resolve().parent.parent / "question_bank"

GOOD = {
    "id": "wsl-9001",
    "type": "single",
    "industry": "general",
    "topic": "work_safety_law",
    "categories": ["leader", "manager"],
    "difficulty": 2,
    "stem": "题干",
    "options": {"A": "甲", "B": "乙", "C": "丙", "D": "丁"},
    "answer": "B",
    "explanation": "解析",
    "source": "《中华人民共和国安全生产法》第五条",
}


def test_a_good_record_passes():
    record = check_record(GOOD)
    assert isinstance(record, QuestionRecord)
    assert record.categories == ("leader", "manager") and record.answer == "B"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answer": "BC"}, "answer"),  # single with two correct options
        ({"answer": "F"}, "answer"),  # not an option
        ({"answer": ""}, "answer"),
        ({"type": "multiple", "answer": "B"}, "answer"),  # multiple with one correct option
        ({"type": "multiple", "answer": "CA"}, "answer"),  # out of order
        ({"type": "multiple", "answer": "AAC"}, "answer"),  # repeated
        ({"type": "truefalse"}, "options"),  # a true/false has no options
        ({"options": {"A": "甲", "B": "乙", "C": "甲", "D": "丁"}}, "options"),  # not unique
        ({"options": {"A": "甲", "B": "乙", "D": "丁", "E": "戊"}}, "options"),  # a gap in the keys
        ({"options": {"A": "甲", "B": "乙", "C": "丙"}}, "options"),  # too few
        ({"options": {"A": "甲", "B": " ", "C": "丙", "D": "丁"}}, "options"),  # empty option
        ({"source": ""}, "source"),  # the reference is required
        ({"stem": None}, "stem"),
        ({"explanation": "  "}, "explanation"),
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 6}, "difficulty"),
        ({"difficulty": "3"}, "difficulty"),
        ({"difficulty": True}, "difficulty"),
        ({"categories": []}, "categories"),
        ({"categories": ["boss"]}, "categories"),
        ({"categories": ["leader", "leader"]}, "categories"),
        ({"industry": "fishing"}, "industry"),
        ({"topic": "traffic_law"}, "topic"),
        ({"type": "essay"}, "type"),
        ({"status": "deleted"}, "status"),
        ({"id": "WSL 1"}, "id"),
        ({"anwser": "B"}, "anwser"),  # a typo is an unknown field, not silently ignored
    ],
)
def test_each_broken_rule_is_named_by_field(change, field):
    problems = check_record({**GOOD, **change})
    assert not isinstance(problems, QuestionRecord)
    assert field in {p.field for p in problems}, [(p.field, p.text()) for p in problems]


@pytest.mark.parametrize(("answer", "stored"), [(True, "true"), (False, "false")])
def test_true_false_answers(answer, stored):
    record = {**GOOD, "type": "truefalse", "answer": answer}
    del record["options"]
    assert check_record(record).answer == stored


def test_true_false_needs_a_boolean():
    record = {**GOOD, "type": "truefalse", "answer": "对"}
    del record["options"]
    assert {p.field for p in check_record(record)} == {"answer"}


def test_problems_point_to_file_line_and_field():
    text = """topic: work_safety_law
questions:
  - id: wsl-9001
    type: single
    industry: general
    categories: [leader]
    difficulty: 2
    stem: 题干
    options: {A: 甲, B: 乙, C: 丙, D: 丁}
    answer: BC
    explanation: 解析
    source: 第五条
  - id: wsl-9002
    type: truefalse
    industry: general
    categories: [leader]
    difficulty: 9
    stem: 题干
    answer: true
    explanation: 解析
    source: ""
"""
    result = read_text(text, "wsl.yaml")
    found = {(p.line, p.question_id, p.field) for p in result.problems}
    assert found == {(10, "wsl-9001", "answer"), (17, "wsl-9002", "difficulty"), (21, "wsl-9002", "source")}
    assert "wsl.yaml:10 wsl-9001 answer:" in str(result.problems[0])
    assert result.records == []


def test_yaml_syntax_error_gives_its_line():
    result = read_text("topic: work_safety_law\nquestions:\n  - id: [unclosed\n", "bad.yaml")
    assert len(result.problems) == 1 and result.problems[0].line >= 3


def test_an_id_used_in_two_files_is_refused(tmp_path):
    body = "topic: documentary\nquestions:\n  - {id: doc-9001, type: truefalse, industry: general, "
    body += "categories: [leader], difficulty: 1, stem: 题, answer: true, explanation: 解, source: 源}\n"
    (tmp_path / "a.yaml").write_text(body, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(body, encoding="utf-8")
    result = read_paths(bank_files(tmp_path))
    assert [p.field for p in result.problems] == ["id"]


@pytest.fixture(scope="module")
def starter():  # type: ignore[no-untyped-def]
    return read_paths(bank_files(BANK))


def test_starter_bank_is_clean_and_big_enough(starter):
    assert starter.problems == []
    assert len(starter.records) >= 600


def test_starter_bank_covers_every_required_law_and_six_industries(starter):
    topics = Counter(r.topic for r in starter.records)
    for topic in REQUIRED_TOPICS:
        assert topics[topic] >= 10, topic
    industries = Counter(r.industry for r in starter.records)
    for industry in (
        "coal_mine",
        "non_coal_mine",
        "machinery",
        "rail_transport",
        "rail_construction",
        "hazardous_chemicals",
    ):
        assert industries[industry] >= 40, industry
    for category in ("leader", "manager", "team_leader"):
        assert sum(category in r.categories for r in starter.records) >= 200, category


def test_starter_bank_mix_is_like_a_real_exam(starter):
    share = {t: n / len(starter.records) for t, n in Counter(r.type for r in starter.records).items()}
    assert 0.30 <= share["single"] <= 0.50
    assert 0.12 <= share["multiple"] <= 0.28
    assert 0.30 <= share["truefalse"] <= 0.50
    difficulties = Counter(r.difficulty for r in starter.records)
    assert set(difficulties) == {1, 2, 3, 4, 5}


def test_every_starter_question_cites_a_source_document(starter):
    assert all("《" in r.source for r in starter.records)


def test_the_shipped_bank_passes_every_lint_rule():
    """`examsvc bank lint` with no path checks the shipped bank; it must stay clean."""
    result = CliRunner().invoke(main, ["bank", "lint"])
    assert result.exit_code == 0, result.output
    assert "checked 782 questions" in result.output
