"""Real browser: the officer opens the coverage dashboard for the demo data, sets a target, and the
chart shows the bars and the target mark (checked on a screenshot's pixels)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from examsvc.classes.models import TrainingClass
from examsvc.core.db import db_session

from .paper_helpers import pdf_text
from .test_browser import TABLET, browser, live_server, prepared_download, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
CERTIFIED_GREEN = (0x1E, 0x7A, 0x34)  # .bar-certified in app.css


def _pixels_near(image: Image.Image, colour: tuple[int, int, int]) -> int:
    data = image.convert("RGB").tobytes()
    pixels = (data[i : i + 3] for i in range(0, len(data), 3))
    return sum(1 for pixel in pixels if all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True)))


def test_coverage_dashboard_with_a_target_and_its_chart(live_server, browser, tmp_path):  # noqa: F811
    app, base = live_server.app, str(live_server)
    with app.app_context():  # the demo's examined class (coal-mine team leaders) ends in this year
        examined = db_session().scalar(select(TrainingClass).where(TrainingClass.status == "examined"))
        year, industry, category = examined.end_date.year, examined.industry, examined.category
    page = browser.new_context(viewport=TABLET).new_page()
    sign_in(page, base, "officer")
    page.click("#coverage-link")
    page.fill("#year", str(year))
    page.click("#year-form button")
    page.fill(f"input[name='t-{industry}-{category}']", "20")
    page.click("#save-targets")
    row = page.locator("#coverage-industry tbody tr").filter(has_text="20").first
    assert row.is_visible()
    chart = page.locator("#coverage-chart")
    assert chart.locator("rect.bar-certified").count() >= 1 and chart.locator("line.target-mark").count() == 1
    shot = chart.screenshot()
    (tmp_path / "coverage-chart.png").write_bytes(shot)
    page.screenshot(path=str(tmp_path / "coverage.png"), full_page=True)
    assert _pixels_near(Image.open(io.BytesIO(shot)), CERTIFIED_GREEN) > 50  # the certified bar is drawn


def test_institutions_patterns_and_class_file_in_the_browser(live_server, browser, tmp_path):  # noqa: F811
    app, base = live_server.app, str(live_server)
    with app.app_context():
        examined = db_session().scalar(select(TrainingClass).where(TrainingClass.status == "examined"))
        class_id, school_id, code = examined.id, examined.institution_id, examined.code
    context = browser.new_context(viewport=TABLET, accept_downloads=True)
    page = context.new_page()
    sign_in(page, base, "officer")
    page.click("#institutions-link")
    row = page.locator(f"#institution-{school_id}")
    assert row.is_visible() and "%" in row.inner_text()  # the demo's examined class gives a pass rate
    row.get_by_role("link").first.click()
    page.wait_for_url(f"**/officer/institutions/{school_id}/patterns")
    assert page.locator("h1").inner_text().startswith("答案雷同核查")
    page.goto(f"{base}/officer/classes/{class_id}")
    pdf = tmp_path / "class-file.pdf"
    prepared_download(page, "#class-file-pdf").save_as(pdf)
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert "一期一档" in text and code in text
