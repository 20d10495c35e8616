"""An officer asks for a class's paper in the browser, watches the progress bar move (with the
time left) and downloads the file."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.papers import jobs as paper_jobs
from examsvc.papers.models import Paper

from .paper_helpers import seats_printed
from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def slow_parts(monkeypatch):  # type: ignore[no-untyped-def]
    """One seat per wkhtmltopdf run and a pause after each: slow enough to watch (a real class of
    40 takes seconds; the demo's are small)."""
    monkeypatch.setattr(paper_jobs, "SEATS_PER_PART", 1)
    real = paper_jobs.render_parts

    def paced(parts, processes, on_part):  # type: ignore[no-untyped-def]
        def slowly(index: int) -> None:
            on_part(index)
            time.sleep(0.4)

        return real(parts, processes, slowly)

    monkeypatch.setattr(paper_jobs, "render_parts", paced)


def test_a_class_pdf_job_shows_its_progress_and_gives_the_file(live_server, browser, slow_parts, tmp_path):  # noqa: F811
    app, base = live_server.app, str(live_server)
    with app.app_context():
        now = app.extensions["examsvc.clock"].now()
        paper = max(
            (p for p in db_session().scalars(select(Paper)) if p.released(now)), key=lambda p: p.seats
        )
        paper_id, class_id, seats = paper.id, paper.class_id, paper.seats
    context = browser.new_context(viewport=TABLET, accept_downloads=True)
    page = context.new_page()
    sign_in(page, base, "officer")
    page.goto(f"{base}/officer/classes/{class_id}")
    page.click(f"#print-paper-{paper_id}")
    page.wait_for_url("**/jobs/*")
    values, texts = set(), set()
    deadline = time.monotonic() + 120
    while not page.locator("#job-download").is_visible():
        assert time.monotonic() < deadline, f"no file after 120 s; progress seen: {sorted(values)}"
        values.add(page.evaluate("document.getElementById('job-progress').value"))
        texts.add(page.inner_text("#job-text"))
        time.sleep(0.1)
    assert any(0 < v < seats for v in values), f"the bar never stood between 0 and {seats}: {values}"
    assert len(values) >= 3  # it moved, step by step
    assert any("约剩" in t for t in texts), texts  # the time left, while it ran
    with page.expect_download() as download:
        page.click("#job-download")
    pdf = tmp_path / "paper.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.startswith("paper-")
    assert seats_printed(pdf.read_bytes(), tmp_path) == seats
    context.close()
