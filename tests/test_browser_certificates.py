"""Real browser: the officer publishes, the certificate PDF's QR code leads a phone to VALID, the officer
revokes, and the same page says REVOKED."""

from __future__ import annotations

import re
import subprocess

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.core.db import db_session
from examsvc.demo.exams import sit_and_lock
from examsvc.exams.models import Sitting
from examsvc.papers.models import Paper
from examsvc.questions.cipher import BankCipher

from .docs_screenshots import keep_for_docs
from .test_browser import (  # noqa: F401 (fixtures)
    PHONE,
    TABLET,
    browser,
    live_server,
    prepared_download,
    sign_in,
)

pytestmark = pytest.mark.browser


def _locked_sitting(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The demo's sitting ready for check-in, run to the end by its proctors: all pass but one."""
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.status == "scheduled"))
        paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == "first"))
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        sit_and_lock(s, SYSTEM, cipher, sitting, paper, lambda seat, n: "fail" if seat == n else "pass")
        s.commit()
        return sitting.id, sitting.class_id


def _qr_url(pdf_path, tmp_path) -> str:  # type: ignore[no-untyped-def]
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf_path), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png")))
    return zxingcpp.read_barcodes(image)[0].text


def test_publish_certify_scan_revoke(live_server, browser, tmp_path):  # noqa: F811
    app, base = live_server.app, str(live_server)
    sitting_id, class_id = _locked_sitting(app)

    office = browser.new_context(viewport=TABLET, accept_downloads=True)
    page = office.new_page()
    sign_in(page, base, "officer")
    page.goto(f"{base}/officer/classes/{class_id}")
    page.click(f"form[action='/officer/sittings/{sitting_id}/publish'] button")
    page.wait_for_selector("#certificates")
    assert page.locator("#certificates tbody tr").count() >= 2
    pdf_path = tmp_path / "certificates.pdf"
    prepared_download(page, "#certificates-pdf").save_as(pdf_path)
    page.goto(f"{base}/officer/classes/{class_id}")
    url = _qr_url(pdf_path, tmp_path)
    assert url.startswith(f"{app.config['EXAMSVC'].base_url}/v/")

    # A phone scans it. (The demo's base URL is the default 127.0.0.1:5000: the test server has its own port.)
    phone = browser.new_context(viewport=PHONE, java_script_enabled=False)
    scan = phone.new_page()
    path = url.split("/v/", 1)[1]
    scan.goto(f"{base}/v/{path}")
    assert scan.inner_text("#verdict") == "有效"
    box = scan.locator("#verdict").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # fits the phone, no JavaScript needed
    scan.screenshot(path=str(tmp_path / "verify-valid.png"), full_page=True)
    keep_for_docs(scan, "trainee-scan-valid")
    number = re.search(r"AQ\d{10}", scan.inner_text("main")).group(0)

    # The officer suspends it while an appeal is heard (the phone says so), lifts the suspension,
    # then revokes it, each with a reason.
    row = page.locator(f"#certificates tr:has-text('{number}')")
    row.locator("form.suspend input[name=reason]").fill("申诉处理中")
    row.locator("form.suspend button").click()
    page.wait_for_selector(f"text=证书 {number} 已暂停")
    scan.reload()
    assert scan.inner_text("#verdict") == "已暂停"
    row.locator("form.reinstate input[name=reason]").fill("申诉驳回")
    row.locator("form.reinstate button").click()
    page.wait_for_selector(f"text=证书 {number} 已恢复有效")
    scan.reload()
    assert scan.inner_text("#verdict") == "有效"
    row.locator("form.revoke select[name=kind]").select_option("training_invalid")
    row.locator("form.revoke input[name=reason]").fill("核查发现代签到")
    row.locator("button.danger").click()
    page.wait_for_selector(f"text=证书 {number} 已撤销")
    scan.reload()
    assert scan.inner_text("#verdict") == "已撤销"
    scan.screenshot(path=str(tmp_path / "verify-revoked.png"), full_page=True)
    phone.close()
    office.close()
