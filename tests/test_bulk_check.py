"""Employers check a whole workforce: good, unknown and revoked rows; bad sheets refused whole;
ID numbers used to match and never shown, stored or logged."""

from __future__ import annotations

import csv
import io
import logging

from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session

from .cert_helpers import certified
from .class_helpers import person, xlsx_bytes


def _sheet(rows: list[list[str]], header=("姓名", "证书编号")) -> bytes:  # type: ignore[no-untyped-def]
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
    one, two = person(1), person(2)
    rows = [
        [one[0], certs[0].number],
        [two[0], certs[1].number],
        ["张三", certs[0].number],  # a certificate under another name matches nothing
        [one[0], "AQ2026999999"],  # an unknown number: answered exactly as a wrong name
        [" " + one[0] + " ", " " + certs[0].number.lower() + " "],  # spaces and lower case forgiven
    ]
    with caplog.at_level(logging.DEBUG):
        response = _upload(client, _sheet(rows))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    result = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[3] for r in result] == ["valid", "revoked", "not_found", "not_found", "valid"]
    assert [r[4] for r in result] == ["24", "0", "0", "0", "24"]
    assert result[0][2] == certs[0].number
    with app.app_context():
        audited = (
            db_session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "certificate.bulk_check"))
            .one()
        )
        assert '"rows":5' in audited.detail.replace(" ", "")

    # Employers' HR systems export Excel more often than CSV: the same answers from a workbook.
    workbook = xlsx_bytes([["姓名", "证书编号"], rows[0], rows[1], rows[3]])
    response = _upload(client, workbook, "员工.xlsx")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    result = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))[1:]
    assert [r[3] for r in result] == ["valid", "revoked", "not_found"]


def test_an_id_number_is_never_asked_nor_read(app, client, sitting, tablet, officer, caplog):
    """Guard: bulk.parse reads only 姓名 and 证书编号 (a name + ID number would be an oracle:
    anyone could confirm a stranger's ID number by trying birth dates)."""
    certified(app, sitting, tablet, officer)
    one = person(1)
    by_id = _upload(client, _sheet([[one[0], one[2]]], header=("姓名", "证件号码")))
    assert by_id.status_code == 422 and "证书编号" in by_id.get_data(as_text=True)
    with caplog.at_level(logging.DEBUG):
        ignored = _upload(
            client, _sheet([[one[0], one[2], "AQ2026999999"]], header=("姓名", "证件号码", "证书编号"))
        )
    assert ignored.status_code == 200 and one[2] not in ignored.get_data(as_text=True)
    assert one[2] not in caplog.text


def test_a_bad_sheet_is_refused_whole_with_row_and_column(app, client):
    good = person(1)
    bad = [[good[0], "AQ2026000001"], ["", "AQ2026000002"], ["学员3", ""]]
    response = _upload(client, _sheet(bad))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for row in ("3", "4"):
        assert f"<td>{row}</td>" in page
    assert "必填" in page
    missing = _upload(client, _sheet([[good[0], good[2]]], header=("名字", "号码")))
    assert missing.status_code == 422 and "首行须为列名" in missing.get_data(as_text=True)
    assert _upload(client, b"not a sheet", name="x.pdf").status_code == 422


def test_files_are_counted_before_they_are_read(app, client, monkeypatch):
    """Guard: the bulk-files charge in public_views.bulk_check comes before read_sheet."""
    import examsvc.certificates.public_views as views

    app.config["EXAMSVC"] = app.config["EXAMSVC"].with_overrides({"verify_bulk_files_per_hour": 2})
    opened = []
    real = views.read_sheet
    monkeypatch.setattr(views, "read_sheet", lambda *a: opened.append(1) or real(*a))
    answers = [_upload(client, _sheet([["学员1", "AQ2026000001"]])).status_code for _ in range(3)]
    assert answers == [200, 200, 429] and len(opened) == 2  # the third was never parsed
    refused = _upload(client, _sheet([["学员1", "AQ2026000001"]]))
    assert (
        "每小时最多 2 个文件" in refused.get_data(as_text=True) and refused.headers["Retry-After"] == "3600"
    )


def test_a_bigger_sheet_costs_no_more_queries(app, engine, client, sitting, tablet, officer):
    """Guard: verification.verdicts_by_number (one query per 500 numbers, not one per row): a sheet
    of 1,000 rows makes as many round trips as one of 10."""
    from sqlalchemy import event

    certs = certified(app, sitting, tablet, officer)
    one = person(1)[0]
    counted: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM certificate" in statement:  # the tests' sessions run on the `engine` fixture's connection
            counted.append(statement)

    def queries_for(rows: int) -> int:
        counted.clear()
        sheet = _sheet([[one, certs[0].number if n % 2 else f"AQ2026{n:06d}"] for n in range(rows)])
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert _upload(client, sheet).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    small, big = queries_for(10), queries_for(1_000)
    assert small >= 1 and big <= small + 2, (small, big)  # 1,000 distinct numbers: two chunks of 500
