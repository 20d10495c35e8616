"""Property-based fuzzing (issue 10) of the ID number and credit-code checksums:
arbitrary input, not only well-formed.

Bad input must end in the parser's own, typed answer, never an unexpected exception, a 500 or a
partial write. Shared strategies: tests/fuzz_strategies.py.
"""

from __future__ import annotations

import string

from hypothesis import example, given
from hypothesis import strategies as st

from examsvc.core.identity import PROVINCES, credit_code_problem, id_card_problem

from .fuzz_strategies import (
    CHARS,
    CREDIT,
    PURE,
    TRICKY,
    credit_valid,
    id_check,
    id_valid,
    one_char_changed,
    tricky_text,
    valid_credit_codes,
    valid_ids,
)

# ---- ID card and credit-code checksums ---------------------------------------------------------


@PURE
@given(st.text(max_size=30) | tricky_text)
@example("45010319800101²²²X")  # ² is isdigit() but not int(): used to raise ValueError
@example("45０１０３１９８００１０１００１X")
def test_id_and_credit_checks_never_raise_on_any_text(text):
    for check, valid in ((id_card_problem, id_valid), (credit_code_problem, credit_valid)):
        problem = check(text)
        assert problem is None or (isinstance(problem, str) and problem)
        assert (problem is None) == valid(text), (check.__name__, text, problem)


@PURE
@given(valid_ids())
def test_a_valid_id_is_accepted_also_in_lower_case_and_with_spaces(number):
    assert id_card_problem(number) is None
    assert id_card_problem(" " + number.lower()[:6] + " " + number.lower()[6:]) is None


@PURE
@given(one_char_changed(valid_ids(), st.sampled_from(TRICKY + string.digits + "X") | CHARS))
@example(("", 15, "450103198001010²1X"))  # ² in the sequence digits
def test_an_id_with_one_character_changed_is_refused_unless_it_still_checks(case):
    _, i, changed = case
    problem = id_card_problem(changed)
    assert (problem is None) == id_valid(changed), (changed, problem)


@PURE
@given(one_char_changed(valid_ids(), st.sampled_from(string.digits)))
def test_any_single_digit_error_in_an_id_is_caught(case):
    original, i, changed = case
    if i == 17:
        return  # the check character itself: covered by the test above
    assert id_card_problem(changed) is not None, (original, changed)


@PURE
@given(valid_ids(), st.text(string.digits, min_size=2, max_size=2).filter(lambda a: a not in PROVINCES))
def test_an_id_from_no_province_is_refused_even_with_a_right_check_character(number, area):
    first17 = area + number[2:17]
    assert id_card_problem(first17 + id_check(first17)) is not None


@PURE
@given(one_char_changed(valid_credit_codes(), st.sampled_from(CREDIT) | CHARS))
def test_a_credit_code_with_one_character_changed_is_refused(case):
    original, i, changed = case
    assert credit_code_problem(original) is None
    problem = credit_code_problem(changed)
    assert (problem is None) == credit_valid(changed)
    if changed[i] in CREDIT:  # weights 3^i mod 31 catch every single substitution
        assert problem is not None, (original, changed)
