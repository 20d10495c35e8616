"""Property-based fuzzing (issue 10) of the roster reader: files, cells and the upload over HTTP:
arbitrary input, not only well-formed.

Bad input must end in the parser's own, typed answer, never an unexpected exception, a 500 or a
partial write. Shared strategies: tests/fuzz_strategies.py.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from examsvc.classes.models import Enrollment
from examsvc.classes.roster import check_cells, read_cells
from examsvc.core.db import db_session
from examsvc.trainees.models import Trainee

from .class_helpers import EMPLOYER, HEADER, new_class, person, roster_csv, upload, xlsx_bytes
from .fuzz_strategies import (
    CHARS,
    HTTP,
    PURE,
    TRICKY,
    assert_typed_roster_answer,
    one_char_changed,
    read_or_refuse,
    tricky_text,
    valid_ids,
)

# ---- roster files ------------------------------------------------------------------------------


@PURE
@example(b'a\rb"\n', "r.csv")  # a bare CR inside a line: used to raise _csv.Error (a 500)
@given(st.binary(max_size=2000), st.sampled_from(["r.csv", "R.CSV", "r.xlsx", "r.pdf", "", "r.csv.exe"]))
def test_random_bytes_as_a_roster_file(data, filename):
    read_or_refuse(data, filename)


cell = st.one_of(
    tricky_text,
    valid_ids(),
    one_char_changed(valid_ids(), st.sampled_from(TRICKY) | CHARS).map(lambda c: c[2]),
    st.just(EMPLOYER),
    st.sampled_from(
        ["居民身份证", "护照", "passport", "身份证", "港澳居民来往内地通行证", "", "0", "-1", "24"]
    ),
    st.integers(-(10**6), 10**6).map(str),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8)
real_rows = st.lists(st.builds(person, st.integers(1, 999)), max_size=3)
header = st.permutations(HEADER).map(list) | st.lists(st.sampled_from([*HEADER, "name", "x", ""]), max_size=9)


def test_a_csv_with_old_mac_line_endings_is_read():
    check = check_cells(read_cells(roster_csv([person(1), person(2)]).replace(b"\r\n", b"\r"), "r.csv"))
    assert not check.problems and [r.row for r in check.rows] == [2, 3]


@PURE
@given(header, rows, real_rows, st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]))
def test_random_csv_with_the_right_headers(head, random_rows, good_rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows([*good_rows, *random_rows])
    read_or_refuse(buffer.getvalue().encode(encoding), "roster.csv")


xlsx_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
    cell,
)


@PURE
@given(st.lists(st.lists(xlsx_value, max_size=9), max_size=6))
def test_cells_of_any_type_as_a_spreadsheet_gives_them(matrix):
    cells = [list(HEADER), *matrix]
    assert_typed_roster_answer(check_cells(cells), cells)


REAL_XLSX = xlsx_bytes([HEADER, person(1), person(2)])


@settings(max_examples=400, deadline=None)  # cheap, and a damaged sheet that still loads is rare
@given(st.lists(st.tuples(st.integers(0, len(REAL_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_real_xlsx_with_random_byte_changes(changes):
    data = bytearray(REAL_XLSX)
    for index, value in changes:
        data[index] = value
    read_or_refuse(bytes(data), "roster.xlsx")


def _rezip(replace: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(REAL_XLSX)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = replace.get(item.filename, src.read(item))
            if data is not None:
                dst.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "damage",
    [
        {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c r="},  # fails only when rows are read
        {"xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'},
    ],
    ids=["damaged-sheet", "no-sheet"],
)
def test_an_xlsx_that_opens_but_cannot_be_read_is_refused_with_a_message(damage):
    with pytest.raises(ValueError, match="not a readable .xlsx"):
        read_cells(_rezip(damage), "roster.xlsx")


def test_a_huge_csv_field_is_refused_with_a_message():
    with pytest.raises(ValueError, match="a field is too long"):
        read_cells(('姓名\n"' + "x" * 200_000 + '"\n').encode(), "roster.csv")


# ---- the roster upload over HTTP ---------------------------------------------------------------


@pytest.fixture
def school_class(school):  # type: ignore[no-untyped-def]
    return school, new_class(school)


SUPERSCRIPT_ROSTER = (
    "姓名,证件类型,证件号码,工作单位,统一社会信用代码\n张三,,45010319800101²²²X,某公司," + EMPLOYER
).encode()
garbage = st.one_of(
    st.binary(max_size=3000),
    st.text(CHARS, max_size=500).map(lambda t: t.encode("utf-8")),
    st.lists(st.lists(tricky_text, max_size=7), max_size=6).map(
        lambda rs: "\n".join(",".join(r) for r in [["姓名", "乱码"], *rs]).encode("gb18030")
    ),
    st.binary(max_size=200).map(lambda b: REAL_XLSX[: len(REAL_XLSX) // 2] + b),
)


@HTTP
@given(garbage, st.sampled_from(["roster.csv", "roster.xlsx", "roster.CSV", "roster.pdf", "roster"]))
@example(b"hello", "r.pdf")
@example(SUPERSCRIPT_ROSTER, "r.csv")  # used to be a 500 (ValueError from the ID checksum)
def test_uploading_garbage_as_a_roster_answers_with_a_message_and_adds_nobody(app, school_class, data, name):
    client, class_id = school_class
    with app.app_context():
        before = (
            db_session().scalar(select(func.count()).select_from(Trainee)),
            db_session().scalar(select(func.count()).select_from(Enrollment)),
        )
    response = upload(client, class_id, data, name)
    assert response.status_code in (200, 400, 413, 422), response.status_code
    page_html = response.get_data(as_text=True)
    # The problems table (row, column, what is wrong) or the upload field's own error.
    assert 'class="card problems" role="alert"' in page_html or '<small class="error">' in page_html
    with app.app_context():
        after = (
            db_session().scalar(select(func.count()).select_from(Trainee)),
            db_session().scalar(select(func.count()).select_from(Enrollment)),
        )
    assert after == before
