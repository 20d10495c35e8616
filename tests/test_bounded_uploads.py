"""Every upload is read within limits before anything is built (core/sheets.py): a few kilobytes
must not make the server unpack, allocate or loop without bound, and a refusal names its limit."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.core.sheets import Limits, SheetError, read_sheet

from .class_helpers import new_class, person, roster_csv

SMALL = Limits(max_bytes=1024 * 1024, max_rows=100, max_columns=10, max_cell_chars=50)


def _workbook(fill) -> bytes:  # type: ignore[no-untyped-def]
    book = Workbook()
    fill(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refusal(data: bytes, name: str, limits: Limits = SMALL) -> str:
    with pytest.raises(SheetError) as caught:
        read_sheet(data, name, limits)
    return str(caught.value) % caught.value.params if caught.value.params else str(caught.value)


def test_a_workbook_that_unpacks_too_far_is_refused_by_unpacking_not_by_its_headers():
    """Guard: sheets._check_unpacked (counts what it unpacks; declared sizes can lie)."""
    packed = io.BytesIO(_workbook(lambda sheet: sheet.append(["姓名"])))
    with zipfile.ZipFile(packed, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b"\0" * (48 * 1024 * 1024))  # 48 MB of zeros: ~50 KB packed
    data = packed.getvalue()
    assert len(data) < 200 * 1024
    started = time.monotonic()
    assert "unpacks to more than 40 MB" in _refusal(data, "bomb.xlsx")
    assert time.monotonic() - started < 5


def test_a_cell_far_down_the_sheet_is_not_walked_to():
    """Guard: sheets._bounded's empty-row run (a sheet padded to row 1,000,000 is refused early)."""

    def far(sheet) -> None:  # type: ignore[no-untyped-def]
        sheet.append(["姓名"])
        sheet.cell(row=1_000_000, column=1, value="x")

    started = time.monotonic()
    assert "more than 10000 empty rows" in _refusal(_workbook(far), "far.xlsx")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["a"] * 11], "row 1 has more than 10 columns"),
        ([["姓名"], ["x" * 51]], "row 2, column 1: more than 50 characters"),
        ([["姓名"]] + [["x"]] * 101, "more than 100 rows"),
    ],
)
def test_rows_columns_and_cells_are_limited_in_csv_and_xlsx(rows, expected):
    """Guard: sheets._bounded, the same for both formats."""
    assert expected in _refusal(roster_csv(rows[1:], header=rows[0]), "r.csv")

    def fill(sheet) -> None:  # type: ignore[no-untyped-def]
        for row in rows:
            sheet.append(row)

    assert expected in _refusal(_workbook(fill), "r.xlsx")


def test_the_declared_size_of_a_sheet_is_not_trusted():
    """A workbook that declares A1:XFD1048576 but holds two rows reads as two rows."""

    def fill(sheet) -> None:  # type: ignore[no-untyped-def]
        sheet.append(["姓名", "证件号码"])
        sheet.append(["学员1", "x"])

    packed = io.BytesIO(_workbook(fill))
    with zipfile.ZipFile(packed) as original:
        parts = {i.filename: original.read(i) for i in original.infolist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].replace(b'ref="A1:B2"', b'ref="A1:XFD1048576"')
    assert sheet_xml != parts["xl/worksheets/sheet1.xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for name, content in parts.items():
            rebuilt.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else content)
    assert read_sheet(out.getvalue(), "r.xlsx", SMALL) == [["姓名", "证件号码"], ["学员1", "x"]]


def test_a_file_too_large_is_refused_before_it_is_read():
    assert "larger than 1 MB" in _refusal(b"a" * (1024 * 1024 + 1), "r.csv")


def test_a_roster_past_a_limit_adds_nobody_and_says_which_limit(app, world, school):
    """The institution's upload: refused whole, with the limit in the message."""
    class_id = new_class(school)
    rows = [person(n) for n in range(1, 4)]
    rows[1] = [*rows[1][:5], "某" * 301, *rows[1][6:]]  # the employer's name, 301 characters
    upload = {"roster": (io.BytesIO(roster_csv(rows)), "roster.csv")}
    page = f"/institution/classes/{class_id}"
    answer = school.post(f"{page}/roster", upload, page=page, content_type="multipart/form-data")
    assert answer.status_code == 422 and "第 3 行第 6 列：超过 300 个字符" in answer.get_data(as_text=True)
    with app.app_context():
        assert db_session().scalar(select(func.count(Enrollment.id))) == 0
