"""Property-based fuzzing (issue 10) of the answer-sheet parser and the certificate token verifier:
arbitrary input, not only well-formed.

Bad input must end in the parser's own, typed answer, never an unexpected exception, a 500 or a
partial write. Shared strategies: tests/fuzz_strategies.py.
"""

from __future__ import annotations

import string

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import example, given
from hypothesis import strategies as st

from examsvc.core.crypto import jws
from examsvc.exams.grading import KeyItem, SeatKey, SheetProblem, grade, key_sheet, parse_sheet
from examsvc.papers.variants import LETTERS

from .fuzz_strategies import (
    CHARS,
    PURE,
)

# ---- answer sheets -----------------------------------------------------------------------------

key_items = st.lists(
    st.one_of(
        st.builds(lambda n: KeyItem("truefalse", n, 0, True), st.integers(1, 50)),
        st.builds(
            lambda n, k, c: KeyItem("single", n, k, frozenset(LETTERS[c % k])),
            st.integers(1, 50),
            st.integers(2, len(LETTERS)),
            st.integers(0, 10),
        ),
        st.builds(
            lambda n, k: KeyItem("multiple", n, k, frozenset(LETTERS[:2])),
            st.integers(1, 50),
            st.integers(2, len(LETTERS)),
        ),
    ),
    max_size=12,
).map(lambda items: SeatKey(tuple(items)))
sheet_token = st.text(st.sampled_from("ABCDEabcde对错√×✓✗TFXYN-_—ＡＢａ１ßıſ") | CHARS, max_size=4)
sheet_text = st.text() | st.lists(sheet_token, max_size=14).map(lambda t: " ，、；\t".join(t))


@PURE
@given(sheet_text, key_items)
def test_any_typed_sheet_gives_answers_or_numbered_problems(text, key):
    answers, problems = parse_sheet(text, key)
    for p in problems:
        assert isinstance(p, SheetProblem) and 0 <= p.number <= len(key.items)
        assert isinstance(p.text(), str) and p.text()
    if problems:
        return
    assert len(answers) == len(key.items)
    for answer, item in zip(answers, key.items, strict=True):
        if item.type == "truefalse":
            assert answer is None or isinstance(answer, bool)
        else:
            assert answer is None or (answer and answer <= set(LETTERS[: item.options]))
            assert not (item.type == "single" and answer and len(answer) != 1)
    assert 0 <= grade(answers, key).score_tenths <= sum(i.points_tenths for i in key.items)


@PURE
@given(key_items)
def test_the_key_sheet_parses_and_scores_full_marks(key):
    answers, problems = parse_sheet(key_sheet(key), key)
    assert not problems
    assert grade(answers, key).score_tenths == sum(i.points_tenths for i in key.items)


# ---- signed tokens -----------------------------------------------------------------------------

KEY = Ed25519PrivateKey.generate()
KEYS = {"k1": KEY.public_key()}
GENUINE = jws.sign({"sub": "c-1", "exp": 4_000_000_000}, KEY, "k1")
REASONS = {"malformed", "algorithm", "unknown_key", "signature", "expired", "not_yet_valid"}
b64_part = st.one_of(
    st.binary(max_size=80).map(jws.b64url),
    st.text(string.ascii_letters + string.digits + "-_=+/\n ", max_size=40),
    st.dictionaries(
        st.sampled_from(["alg", "kid", "crit", "exp", "nbf", "typ"]),
        st.one_of(st.sampled_from(["EdDSA", "k1", "none", "HS256"]), st.integers(), st.none(), st.text()),
    ).map(lambda d: jws.b64url(jws._compact(d))),
    st.just(GENUINE.split(".")[0]),
    st.just(GENUINE.split(".")[1]),
)


def _refused(token: str) -> None:
    for call in (lambda: jws.verify(token, KEYS, 1_700_000_000), lambda: jws.genuine_claims(token, KEYS)):
        with pytest.raises(jws.TokenError) as caught:
            call()
        assert caught.value.reason in REASONS


@PURE
@given(st.text(max_size=200) | st.lists(b64_part, min_size=3, max_size=3).map(".".join))
@example(jws.b64url(b"[" * 1200) + ".e30.AA")  # a header nested too deep: RecursionError, a 500 (atheris)
@example(jws.b64url(b'{"n": ' + b"9" * 5000 + b"}") + ".e30.AA")  # an int past 4300 digits: ValueError
def test_random_tokens_are_refused_with_a_token_error(token):
    _refused(token)


_B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
# The last signature character carries 4 unused bits: this other spelling decodes to the same bytes.
SAME_BYTES_SPELLING = _B64[_B64.index(GENUINE[-1]) ^ 1]


@PURE
@example(len(GENUINE) - 1, SAME_BYTES_SPELLING)
@given(
    st.integers(0, len(GENUINE) - 1),
    st.sampled_from(string.ascii_letters + string.digits + "-_.=") | CHARS,
)
def test_a_genuine_token_with_one_character_changed_is_refused(i, c):
    assert jws.verify(GENUINE, KEYS, 1_700_000_000)["sub"] == "c-1"
    token = GENUINE[:i] + c + GENUINE[i + 1 :]
    if token != GENUINE:
        _refused(token)
