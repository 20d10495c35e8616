"""The programme's rules at their edges; identity checksums; the class lifecycle."""

from __future__ import annotations

from datetime import date

import pytest

from examsvc.classes import lifecycle
from examsvc.classes.rules import ClassRules, Plan, cap_breach, plan_breaches
from examsvc.core.config import Config
from examsvc.core.identity import (
    credit_code_problem,
    document_problem,
    id_card_problem,
    make_credit_code,
    make_id_number,
    mask,
    phone_problem,
)

RULES = ClassRules.from_config(Config())


def _rules_broken(category: str, online: int, offline: int, practical: int) -> set[str]:
    return {b.rule for b in plan_breaches(Plan(category, online, offline, practical), RULES)}


@pytest.mark.parametrize(
    ("category", "total", "ok"),
    [
        ("leader", 11, False),
        ("leader", 12, True),
        ("leader", 48, True),
        ("leader", 49, False),
        ("manager", 11, False),
        ("manager", 12, True),
        ("manager", 48, True),
        ("manager", 49, False),
        ("team_leader", 19, False),
        ("team_leader", 20, True),
        ("team_leader", 72, True),
        ("team_leader", 73, False),
    ],
)
def test_total_hours_at_the_edges(category, total, ok):
    # all offline and a quarter practical, so only the total can be wrong
    practical = -(-total // 4)
    assert ("total_hours" not in _rules_broken(category, 0, total - practical, practical)) is ok


@pytest.mark.parametrize(("offline_percent", "ok"), [(59, False), (60, True), (100, True)])
def test_offline_share_at_the_edge(offline_percent, ok):
    # 100 hours would break the total of a manager class; the share rule is checked on its own
    broken = _rules_broken("manager", 100 - offline_percent, offline_percent, 0)
    assert ("offline_share" not in broken) is ok


def test_practical_counts_as_offline():
    assert "offline_share" not in _rules_broken("team_leader", 16, 14, 10)  # 24 of 40 offline = 60 %


@pytest.mark.parametrize(("practical_percent", "ok"), [(24, False), (25, True)])
def test_practical_share_for_team_leaders_at_the_edge(practical_percent, ok):
    assert (
        "practical_share" not in _rules_broken("team_leader", 0, 100 - practical_percent, practical_percent)
    ) is ok


def test_practical_share_does_not_apply_to_leaders():
    assert "practical_share" not in _rules_broken("leader", 4, 8, 0)


def test_breach_says_by_how_much():
    [offline] = [b for b in plan_breaches(Plan("manager", 41, 59, 0), RULES) if b.rule == "offline_share"]
    assert "59.0%" in offline.text() and "move 1 hours" in offline.text()
    [total] = plan_breaches(Plan("leader", 0, 11, 0), RULES)
    assert "1 below the minimum of 12" in total.text()


@pytest.mark.parametrize(
    ("category", "count", "ok"),
    [
        ("leader", 40, True),
        ("leader", 41, False),
        ("manager", 80, True),
        ("manager", 81, False),
        ("team_leader", 81, False),
    ],
)
def test_class_cap_at_the_edge(category, count, ok):
    assert (cap_breach(category, count, RULES) is None) is ok


def test_rules_are_bureau_settings():
    tuned = ClassRules.from_config(Config(rule_cap_leader=30, rule_offline_share_min=70))
    assert cap_breach("leader", 31, tuned) is not None
    assert plan_breaches(Plan("manager", 6, 14, 0), tuned) == []  # 70 %
    assert plan_breaches(Plan("manager", 7, 13, 0), tuned)[0].rule == "offline_share"  # 65 %


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),  # the example of GB 11643
        ("11010519491231002x", True),  # a lower-case x is the same number
        ("110105194912310021", False),  # wrong check character
        ("1101051949123100", False),  # too short
        ("11010519491331002X", False),  # month 13
        ("99010519491231002X", False),  # no such province
        ("11010520991231002X", False),  # born in the future
        ("A1010519491231002X", False),
    ],
)
def test_id_card_checksum(number, valid):
    assert (id_card_problem(number, today=date(2026, 11, 23)) is None) is valid


def test_generated_id_numbers_are_valid_and_masked():
    number = make_id_number("450103", date(1985, 6, 1), 123)
    assert id_card_problem(number) is None
    assert mask("id_card", number) == "450103********" + number[-4:]
    assert mask("passport", "E12345678") == "E****5678"


@pytest.mark.parametrize(
    ("doc_type", "number", "valid"),
    [
        ("passport", "E12345678", True),
        ("passport", "E1234", True),
        ("passport", "E12-34567", False),
        ("hk_macao_permit", "H12345678", True),
        ("hk_macao_permit", "X12345678", False),
        ("taiwan_permit", "12345678", True),
        ("taiwan_permit", "1234567", False),
        ("visa", "123", False),
    ],
)
def test_other_documents(doc_type, number, valid):
    assert (document_problem(doc_type, number) is None) is valid


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),  # a published example of GB 32100
        ("91350100m000100y43", True),  # lower case is read as upper case
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # too short
        ("91350100I000100Y43", False),  # I is not in the alphabet
        ("913501A0M000100Y43", False),  # the area code must be digits
    ],
)
def test_credit_code_checksum(code, valid):
    assert (credit_code_problem(code) is None) is valid


def test_generated_credit_codes_are_valid():
    assert credit_code_problem(make_credit_code("91450100MA5TEAM01")) is None


@pytest.mark.parametrize(
    ("phone", "ok"), [("13812345678", True), ("0771-1234567", True), ("1381234567", False)]
)
def test_phone(phone, ok):
    assert (phone_problem(phone) is None) is ok


@pytest.mark.parametrize(
    ("name", "status", "role", "ok"),
    [
        ("submit", "draft", "institution", True),
        ("submit", "returned", "institution", True),
        ("submit", "approved", "institution", False),
        ("submit", "draft", "officer", False),
        ("approve", "submitted", "officer", True),
        ("approve", "submitted", "institution", False),
        ("approve", "draft", "officer", False),
        ("return", "submitted", "officer", True),
        ("archive", "examined", "officer", True),
        ("archive", "approved", "officer", False),
    ],
)
def test_lifecycle(name, status, role, ok):
    assert lifecycle.allowed(name, status, role) is ok


def test_only_drafts_and_returned_classes_are_editable():
    assert {s for s in ("draft", "submitted", "returned", "approved") if lifecycle.editable(s)} == {
        "draft",
        "returned",
    }
