"""Fuzz targets: roster files and cells (examsvc/classes/roster.py) and the ID number, credit code
and phone checks (examsvc/core/identity.py)."""

from __future__ import annotations

from datetime import datetime

from fuzz_common import Target
from fuzz_common import text as _text

from examsvc.classes.roster import check_cells
from examsvc.core import identity
from tests.class_helpers import EMPLOYER, HEADER, person, roster_csv, xlsx_bytes
from tests.fuzz_strategies import assert_typed_roster_answer, read_or_refuse

ID_NUMBER = person(1)[2]


# ---- roster files --------------------------------------------------------------------------------
# byte 0 picks the file name; the rest is the uploaded file.

_NAMES = ("roster.csv", "roster.xlsx", "roster.pdf", "ROSTER.CSV")


def roster_file_target(data: bytes) -> None:
    read_or_refuse(data[1:], _NAMES[data[0] % len(_NAMES)] if data else "")


def _roster_file_seeds() -> list[bytes]:
    good = [person(1), person(2, hours=8)]
    english = ["name", "document number", "employer", "employer credit code"]
    return [
        b"\x00" + roster_csv(good),
        b"\x00" + roster_csv(good, encoding="gb18030"),
        b"\x00" + roster_csv(good).replace(b"\r\n", b"\r"),
        b"\x00" + roster_csv([person(1), ["x", "护照", "E1234567", "", "某", EMPLOYER, "-1"]]),
        b"\x00" + b'a\rb"\n',
        b"\x03" + roster_csv([["a", ID_NUMBER]], header=english),
        b"\x01" + xlsx_bytes([HEADER, *good]),
        b"\x02hello",
    ]


# ---- roster cells (what a spreadsheet gives: values of any type) ---------------------------------
# Rows split by 0x1E, cells by 0x1F; a cell's first byte gives its type: N none, B bool, I int,
# F float, D datetime (ISO), anything else a string (the whole cell, that byte included).


def _cell(raw: bytes) -> object:
    kind, rest = raw[:1], _text(raw[1:])
    try:
        if kind == b"N":
            return None
        if kind == b"B":
            return rest == "1"
        if kind == b"I":
            return int(rest[:30])
        if kind == b"F":
            return float(rest[:30])
        if kind == b"D":
            return datetime.fromisoformat(rest[:30])
    except ValueError:
        pass
    return _text(raw)


def _decode_cells(data: bytes) -> list[list[object]]:
    return [[_cell(c) for c in row.split(b"\x1f")] if row else [] for row in data.split(b"\x1e")]


def _encode_cells(rows: list[list[object]]) -> bytes:
    def one(v: object) -> bytes:
        if v is None:
            return b"N"
        if isinstance(v, bool):
            return b"B1" if v else b"B0"
        if isinstance(v, int):
            return b"I" + str(v).encode()
        if isinstance(v, float):
            return b"F" + repr(v).encode()
        if isinstance(v, datetime):
            return b"D" + v.isoformat().encode()
        return str(v).encode()

    return b"\x1e".join(b"\x1f".join(one(v) for v in row) for row in rows)


def roster_cells_target(data: bytes) -> None:
    cells = _decode_cells(data)
    assert_typed_roster_answer(check_cells(cells), cells)


def _roster_cells_seeds() -> list[bytes]:
    return [
        _encode_cells([HEADER, person(1), person(2, hours=3), person(1)]),
        _encode_cells([HEADER, person(3, hours=2.0), person(4, hours=None), [None] * 7, []]),
        _encode_cells([HEADER, [1, "护照", 12345678, 13800000000, True, EMPLOYER.lower(), 1e20]]),
        _encode_cells([HEADER, ["x", "", ID_NUMBER, "", datetime(2026, 1, 1), EMPLOYER, "٣"]]),
        _encode_cells([HEADER, person(5, hours=2**31 - 1), person(6, hours="1000")]),
        _encode_cells([["name", "x"], ["a"]]),
        b"",
    ]


# ---- ID numbers, credit codes, phone numbers -----------------------------------------------------


def ids_target(data: bytes) -> None:
    text = _text(data)
    for check in (identity.id_card_problem, identity.credit_code_problem, identity.phone_problem):
        problem = check(text)
        assert problem is None or (isinstance(problem, str) and problem), (check.__name__, problem)
    for doc_type in identity.DOCUMENT_TYPES:
        problem = identity.document_problem(doc_type, text)
        assert problem is None or (isinstance(problem, str) and problem), (doc_type, problem)
        assert isinstance(identity.mask(doc_type, text), str)
    assert isinstance(identity.mask_phone(text), str)
    n = identity.normalise(text)
    if identity.id_card_problem(text) is None:  # accepted: 17 ASCII digits and the right check character
        assert len(n) == 18 and n.isascii() and n[:17].isdigit(), n
        assert identity.id_check_char(n[:17]) == n[17], n
    if identity.credit_code_problem(text) is None:
        assert len(n) == 18 and all(c in identity.CREDIT_ALPHABET for c in n), n
        assert identity.credit_check_char(n[:17]) == n[17], n


def _ids_seeds() -> list[bytes]:
    return [
        s.encode()
        for s in (
            ID_NUMBER,
            ID_NUMBER.lower(),
            " " + ID_NUMBER[:6] + " " + ID_NUMBER[6:],
            "45010319800101²²²X",
            "45０１０３１９８００１０１００１X",
            "450103190002290011",
            EMPLOYER,
            EMPLOYER.lower(),
            "91450123MA5KUANGIO",
            "13800001234",
            "+86 0771-1234567",
            "H12345678",
            "E1234567",
            "",
        )
    ]


TARGETS = {
    "roster_file": Target(
        roster_file_target,
        _roster_file_seeds,
        (*HEADER, "name", "document number", "employer credit code", "护照", "居民身份证", '"', "\r"),
    ),
    "roster_cells": Target(
        roster_cells_target,
        _roster_cells_seeds,
        (*HEADER, "护照", "港澳居民来往内地通行证", "passport", "\x1e", "\x1f", "N", "I", "F", "D"),
    ),
    "ids": Target(ids_target, _ids_seeds, ("X", "x", "²", "０", "+86", "0771-", "91", "450103", "19800101")),
}
