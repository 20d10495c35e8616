"""Employers check a whole workforce: good, unknown and revoked rows; bad sheets refused whole;
ID numbers used to match and never shown, stored or logged."""

from __future__ import annotations

import csv
import io
import logging

from sqlalchemy import func, select

from examsvc.core.db import db_session
from examsvc.trainees.models import Trainee

from .cert_helpers import certified
from .class_helpers import person, xlsx_bytes


def _sheet(rows: list[list[str]], header=("姓名", "证件号码", "证书编号")) -> bytes:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    csv.writer(out).writerows([list(header), *rows])
    return out.getvalue().encode("utf-8-sig")


def _upload(client, data: bytes, name: str = "员工.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/verify/bulk",
        {"sheet": (io.BytesIO(data), name)},
        page="/verify",
        content_type="multipart/form-data",
    )


def test_bulk_check_good_unknown_and_revoked_rows(app, client, sitting, tablet, officer, caplog):
    certs = certified(app, sitting, tablet, officer)  # 学员1 and 学员2 passed, 学员3 failed
    officer.post(
        f"/officer/certificates/{certs[1].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    one, two, three, stranger = person(1), person(2), person(3), person(77)
    rows = [
        [one[0], one[2], ""],
        [two[0], two[2], ""],
        [three[0], three[2], ""],
        [stranger[0], stranger[2], ""],
        ["张三", one[2], ""],  # someone else's number under another name matches nothing
        [one[0], "", certs[0].number],
        [one[0].lower(), " " + one[2].lower() + " ", ""],  # spaces and a lower-case x are forgiven
    ]
    with app.app_context():
        trainees_before = db_session().scalar(select(func.count()).select_from(Trainee))
    with caplog.at_level(logging.DEBUG):
        response = _upload(client, _sheet(rows))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    result = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[4] for r in result] == [
        "valid",
        "revoked",
        "not_found",
        "not_found",
        "not_found",
        "valid",
        "valid",
    ]
    assert [r[5] for r in result] == ["24", "0", "0", "0", "0", "24", "24"]
    assert result[0][3] == certs[0].number and result[0][2] == one[2][:6] + "********" + one[2][-4:]
    for full in (one[2], two[2], three[2], stranger[2]):
        assert full not in text and full not in caplog.text
    with app.app_context():  # nothing stored: the ID numbers were only hashed and compared
        assert db_session().scalar(select(func.count()).select_from(Trainee)) == trainees_before

    # Employers' HR systems export Excel more often than CSV: the same answers from a workbook.
    header = ["姓名", "证件号码", "证书编号"]
    response = _upload(client, xlsx_bytes([header, rows[0], rows[1], rows[3], rows[5]]), "员工.xlsx")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    result = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]
    assert [r[4] for r in result] == ["valid", "revoked", "not_found", "valid"]
    assert one[2] not in response.get_data(as_text=True)


def test_a_bad_sheet_is_refused_whole_with_row_and_column(app, client):
    good = person(1)
    bad = [[good[0], good[2], ""], ["", good[2], ""], ["学员2", "450103198001010010", ""], ["学员3", "", ""]]
    response = _upload(client, _sheet(bad))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for row in ("3", "4", "5"):
        assert f"<td>{row}</td>" in page
    assert "校验码" in page and "必填" in page
    missing = _upload(client, _sheet([[good[0], good[2]]], header=("名字", "号码")))
    assert missing.status_code == 422 and "首行须为列名" in missing.get_data(as_text=True)
    assert _upload(client, b"not a sheet", name="x.pdf").status_code == 422
    header = ["姓名", "证件号码", "证书编号"]
    workbook = _upload(client, xlsx_bytes([header, [good[0], good[2][:-1] + "0", ""]]), "员工.xlsx")
    page = workbook.get_data(as_text=True)  # a workbook is refused the same way: row 2, the check digit
    assert workbook.status_code == 422 and "<td>2</td>" in page and "校验码" in page
