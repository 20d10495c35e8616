"""Shared by the property-based fuzz tests (tests/test_fuzz_*.py): how many examples, characters that
trip str methods, and strategies for valid ID numbers and credit codes built from independent
reference implementations (not imported from the code under test)."""

from __future__ import annotations

import re
import string
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from examsvc.trainees.identity import PROVINCES

PURE = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=40, deadline=None)  # each bundle read runs scrypt (~0.1 s)
HTTP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters that look like digits or letters to str methods but are not ASCII: the usual suspects.
TRICKY = "²³¹⁴⁰٣۵०０９ＸｘxX ıſß\u00a0\u3000—-_，、；对错√×ＡＢａ"
# Any character a decoded file or form can hold (no lone surrogates).
CHARS = st.characters(codec="utf-8")
tricky_text = st.text(st.sampled_from(TRICKY) | CHARS, max_size=40)
# What the roster reader may raise (ValueError with one of these messages), and nothing else.
ROSTER_ERRORS = {
    "the file is neither UTF-8 nor GBK text",
    "the CSV file is malformed: a field is too long or a quote is not closed",
    "the file is not a readable .xlsx workbook",
    "upload a .csv or .xlsx file",
}


# ---- independent reference implementations (not imported from the code under test) -------------


def normalise(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def id_check(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2: 2^(n-1) mod 11
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def id_valid(value: str) -> bool:
    n = normalise(value)
    if len(n) != 18 or not re.fullmatch(r"[0-9]{17}[0-9X]", n) or n[:2] not in PROVINCES:
        return False
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    return born.year >= 1900 and born <= date.today() and id_check(n[:17]) == n[17]


CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_check(first17: str) -> str:
    total = sum(CREDIT.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return CREDIT[-total % 31]


def credit_valid(value: str) -> bool:
    n = normalise(value)
    return (
        len(n) == 18
        and all(c in CREDIT for c in n)
        and n[2:8].isascii()
        and n[2:8].isdigit()
        and credit_check(n[:17]) == n[17]
    )


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(sorted(PROVINCES))) + draw(st.text(string.digits, min_size=4, max_size=4))
    born = draw(st.dates(date(1900, 1, 1), date.today()))
    first17 = f"{area}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + id_check(first17)


@st.composite
def valid_credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.text(CREDIT, min_size=2, max_size=2))
    area = draw(st.text(string.digits, min_size=6, max_size=6))
    tail = draw(st.text(CREDIT, min_size=9, max_size=9))
    return head + area + tail + credit_check(head + area + tail)


@st.composite
def one_char_changed(draw: st.DrawFn, base: st.SearchStrategy[str], alphabet: st.SearchStrategy[str]):
    value = draw(base)
    i = draw(st.integers(0, len(value) - 1))
    c = draw(alphabet.filter(lambda ch: ch != value[i]))
    return value, i, value[:i] + c + value[i + 1 :]
