"""Roster files (CSV or XLSX, Chinese headers): reading and the checks that need no database. Pure.

Every problem names the spreadsheet row (the header is row 1), the column, and what is wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..core.identity import credit_code_problem, document_problem, normalise, phone_problem
from ..core.msgid import N_
from ..core.sheets import Limits, read_sheet

# (key, Chinese header, English header, required)
COLUMNS = (
    ("name", "姓名", "name", True),
    ("id_type", "证件类型", "document type", False),
    ("id_number", "证件号码", "document number", True),
    ("phone", "手机号码", "phone", False),
    ("employer_name", "工作单位", "employer", True),
    ("employer_code", "统一社会信用代码", "employer credit code", True),
    ("hours_completed", "已完成学时", "hours completed", False),
)
HEADER_OF = {key: zh for key, zh, _, _ in COLUMNS}
_KEY_OF_HEADER = {h.strip().lower(): key for key, zh, en, _ in COLUMNS for h in (zh, en, key)}
DOCUMENT_TYPE_NAMES = {
    "": "id_card",
    "居民身份证": "id_card",
    "身份证": "id_card",
    "id_card": "id_card",
    "护照": "passport",
    "passport": "passport",
    "港澳居民来往内地通行证": "hk_macao_permit",
    "hk_macao_permit": "hk_macao_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "taiwan_permit": "taiwan_permit",
}
MAX_ROWS = 10_000
ROSTER_LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=MAX_ROWS)
MAX_HOURS = 500  # hours completed of one class, in a roster file and in the forms (forms.py)


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header as the user sees it; "" for the whole file or row
    message: str  # msgid
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


@dataclass(frozen=True)
class RosterRow:
    row: int
    name: str
    id_type: str
    id_number: str
    phone: str
    employer_name: str
    employer_code: str
    hours_completed: int


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def read_cells(data: bytes, filename: str) -> list[list[object]]:
    """A roster file's rows, read within ROSTER_LIMITS (core/sheets.py); SheetError names the limit."""
    return read_sheet(data, filename, ROSTER_LIMITS)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_cells(cells: list[list[object]]) -> RosterCheck:
    """Header and row checks: required fields, formats, checksums, duplicates within the file."""
    out = RosterCheck()
    if not cells:
        out.problems.append(RowProblem(1, "", N_("the file is empty")))
        return out
    header = [_KEY_OF_HEADER.get(_text(h).lower()) for h in cells[0]]
    missing = [zh for key, zh, _, required in COLUMNS if required and key not in header]
    if missing:
        out.problems.append(
            RowProblem(1, "", N_("missing columns: %(columns)s"), (("columns", "、".join(missing)),))
        )
        return out
    # A column named twice: one of the two would be read and the other silently dropped.
    twice = [zh for key, zh, _, _ in COLUMNS if header.count(key) > 1]
    if twice:
        out.problems.append(
            RowProblem(1, "", N_("columns named twice: %(columns)s"), (("columns", "、".join(twice)),))
        )
        return out
    if len(cells) - 1 > MAX_ROWS:
        out.problems.append(RowProblem(1, "", N_("more than %(max)d rows"), (("max", MAX_ROWS),)))
        return out
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(cells[1:], start=2):
        values = {key: raw[i] for i, key in enumerate(header) if key and i < len(raw)}
        if not any(_text(v) for v in values.values()):
            continue  # blank lines at the end of a sheet
        row = _check_row(number, values, out.problems)
        if row is None:
            continue
        key = (row.id_type, row.id_number)
        if key in seen:
            out.problems.append(
                RowProblem(
                    number,
                    HEADER_OF["id_number"],
                    N_("the same person is already in row %(other)d"),
                    (("other", seen[key]),),
                )
            )
            continue
        seen[key] = number
        out.rows.append(row)
    return out


def _check_row(number: int, values: dict[str, object], problems: list[RowProblem]) -> RosterRow | None:
    before = len(problems)

    def problem(key: str, message: str, *params: tuple[str, object]) -> None:
        problems.append(RowProblem(number, HEADER_OF[key], message, tuple(params)))

    text = {key: _text(values.get(key)) for key, *_ in COLUMNS}
    for key, _zh, _en, required in COLUMNS:
        if required and not text[key]:
            problem(key, N_("is required"))
    if isinstance(values.get("id_number"), int | float):
        problem("id_number", N_("was stored as a number and lost digits: format the column as text"))
    id_type = DOCUMENT_TYPE_NAMES.get(
        text["id_type"].lower() if text["id_type"].isascii() else text["id_type"]
    )
    if id_type is None:
        problem("id_type", N_("unknown document type %(value)s"), ("value", text["id_type"]))
    elif text["id_number"]:
        reason = document_problem(id_type, text["id_number"])
        if reason:
            problem("id_number", reason)
    if text["employer_code"] and (reason := credit_code_problem(text["employer_code"])):
        problem("employer_code", reason)
    if text["phone"] and (reason := phone_problem(text["phone"])):
        problem("phone", reason)
    if len(text["name"]) > 60:
        problem("name", N_("is longer than %(max)d characters"), ("max", 60))
    if len(text["employer_name"]) > 120:
        problem("employer_name", N_("is longer than %(max)d characters"), ("max", 120))
    hours = 0
    if text["hours_completed"]:
        try:
            hours = int(text["hours_completed"])
            if not 0 <= hours <= MAX_HOURS:  # the forms' limit; unbounded, a big number was a 500
                raise ValueError
        except ValueError:
            problem(
                "hours_completed",
                N_("must be a whole number of hours from 0 to %(max)d"),
                ("max", MAX_HOURS),
            )
    if len(problems) > before or id_type is None:
        return None
    return RosterRow(
        row=number,
        name=text["name"],
        id_type=id_type,
        id_number=normalise(text["id_number"]),
        phone=normalise(text["phone"]),
        employer_name=text["employer_name"],
        employer_code=normalise(text["employer_code"]),
        hours_completed=hours,
    )


def template_rows() -> list[list[str]]:
    """The downloadable template: the headers only (an example row would be imported by mistake)."""
    return [[zh for _, zh, _, _ in COLUMNS]]


# Cells that a spreadsheet would run as a formula (=, +, -, @, and the tab/CR tricks).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise formula injection in exports: a leading quote makes the cell plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 Chinese correctly


def xlsx_bytes(rows: Iterable[Iterable[object]], sheet_title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
