"""Shared by the property-based fuzz tests (tests/test_fuzz_*.py): how many examples, characters that
trip str methods, and strategies for valid ID numbers and credit codes built from independent
reference implementations (not imported from the code under test)."""

from __future__ import annotations

import re
import string
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from examsvc.classes.roster import COLUMNS, RosterCheck, RosterRow, RowProblem, check_cells, read_cells
from examsvc.core import identity
from examsvc.core.identity import PROVINCES

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
    # the limits (core/sheets.py), each naming its bound in its params
    "the file is larger than %(max)s",
    "the workbook unpacks to more than %(max)s",
    "more than %(max)d rows",
    "more than %(max)d empty rows in a row",
    "row %(row)d has more than %(max)d columns",
    "row %(row)d, column %(column)d: more than %(max)d characters",
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


# ---- the roster reader's contract, checked by the hypothesis and the atheris tests alike --------

INT4_MAX = 2**31 - 1  # Enrollment.hours_completed is an INTEGER column (PostgreSQL int4)
ROSTER_HEADERS = {zh for _, zh, _, _ in COLUMNS} | {""}


def assert_typed_roster_answer(check: RosterCheck, cells: list[list[object]]) -> None:
    """Every problem a typed RowProblem at a real row and column; every row taken valid (by the
    independent checksums above and by the code's own checks) and fitting the database."""
    assert isinstance(check, RosterCheck)
    for p in check.problems:
        assert isinstance(p, RowProblem), p
        assert 1 <= p.row <= max(len(cells), 1) and p.column in ROSTER_HEADERS, p
        assert isinstance(p.text(), str) and p.text(), p
    for r in check.rows:
        assert isinstance(r, RosterRow) and 2 <= r.row <= len(cells), r
        assert not any(p.row == r.row for p in check.problems), r  # a row is either taken or refused
        if r.id_type == "id_card":
            assert id_valid(r.id_number), r
        assert identity.document_problem(r.id_type, r.id_number) is None, r
        assert credit_valid(r.employer_code) and identity.credit_code_problem(r.employer_code) is None, r
        # What the roster takes must fit the database, or the import is a 500 instead of a message
        # (found by atheris: 99999999999 hours passed the check and failed the INSERT).
        assert 0 <= r.hours_completed <= INT4_MAX, f"hours_completed {r.hours_completed} does not fit INTEGER"
    if (
        not check.rows and not check.problems
    ):  # nothing taken, nothing refused: the columns it reads were blank
        named = [i for i, head in enumerate(cells[0] if cells else []) if head and head in ROSTER_HEADERS]
        assert all(not str(row[i] or "").strip() for row in cells[1:] for i in named if i < len(row))


def read_or_refuse(data: bytes, filename: str) -> None:
    """A roster file is read and checked as above, or refused with one of the reader's messages."""
    try:
        cells = read_cells(data, filename)
    except ValueError as exc:
        assert str(exc) in ROSTER_ERRORS, exc
        return
    assert isinstance(cells, list)
    assert_typed_roster_answer(check_cells(cells), cells)
