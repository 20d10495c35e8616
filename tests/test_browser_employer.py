"""Real browser: an employer's HR clerk on a phone uploads the staff list at /employer, reads the
standing, and downloads it as XLSX and PDF."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session

from .paper_helpers import pdf_text
from .test_browser import PHONE, browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _staff_sheet(app) -> tuple[bytes, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """Two of the demo's holders of a certificate in force, and a name that is not the holder's."""
    with app.app_context():
        in_force = Certificate.revoked_at.is_(None) & Certificate.suspended_at.is_(None)
        certs = (
            db_session().scalars(select(Certificate).where(in_force).order_by(Certificate.id).limit(2)).all()
        )
        rows = [(c.enrollment.trainee.name, c.number) for c in certs]
    rows.append(("查无此人", rows[0][1]))
    out = io.StringIO()
    csv.writer(out).writerows([("姓名", "证书编号"), *rows])
    return out.getvalue().encode("utf-8-sig"), rows


def test_upload_see_and_download(live_server, browser, tmp_path):  # noqa: F811
    sheet, rows = _staff_sheet(live_server.app)
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/verify")
    page.click("#employer-link")
    page.wait_for_url(f"{live_server}/employer")
    page.set_input_files("input[name=sheet]", {"name": "员工.csv", "mimeType": "text/csv", "buffer": sheet})
    page.click("#check-staff")
    page.wait_for_selector("#standing-rows")
    statuses = page.locator("#standing-rows tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert statuses[:2] == ["valid", "valid"] and statuses[2] == "not_found"
    assert rows[0][0] in page.inner_text("#standing-rows")
    assert page.locator("#count-valid .num").inner_text() == "2"
    box = page.locator("#standing-rows").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # fits the phone
    page.screenshot(path=str(tmp_path / "employer.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#download-xlsx")
    xlsx = tmp_path / "standing.xlsx"
    download.value.save_as(xlsx)
    cells = [list(r) for r in load_workbook(xlsx).worksheets[0].iter_rows(values_only=True)]
    assert [r[1:4] for r in cells[1:]] == [
        [rows[0][0], rows[0][1], "有效"],
        [rows[1][0], rows[1][1], "有效"],
        ["查无此人", rows[0][1], "未找到"],  # answered as an unknown number would be
    ]

    with page.expect_download() as download:
        page.click("#download-pdf")
    text = pdf_text(download.value.path().read_bytes(), tmp_path)
    for expected in (rows[0][0], rows[1][1], "查无此人", "有效", "未找到"):
        assert expected in text, expected
    context.close()
