"""Real browser, tablet size: the demo's scanner batch (four sheets, one with a tick instead of a fill)
uploaded at the sitting under way; the proctor decides the ticked question from its picture, the
second proctor confirms each sheet with its image, and the entries are the sheets' truth."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examsvc.auth.models import User
from examsvc.core.db import db_session
from examsvc.exams import tickets
from examsvc.exams.models import Attempt, Sitting
from examsvc.exams.roster import sitting_roster

from .docs_screenshots import keep_for_docs
from .tablet_helpers import right_answers
from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _the_sitting_under_way(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        ready = s.scalar(select(Sitting).where(Sitting.status == "scheduled"))
        seats = {e: t.seat_no for e, t in tickets.existing(s, ready).items()}
        four = [c.enrollment.id for c in sitting_roster(s, ready)[:4]]
        return ready, [(e, seats[e]) for e in four]


def _truth(app, sitting, n: int, seat: int) -> str:  # type: ignore[no-untyped-def]
    """What demo/scanning.py drew for the n-th sheet: the key with one question left blank; the
    ticked question is decided as the key says."""
    tokens = right_answers(app, sitting, seat).split()
    tokens[n * 7 % len(tokens)] = "-"
    return " ".join(tokens)


def test_a_scanner_batch_read_decided_and_confirmed_in_the_browser(live_server, browser):  # noqa: F811
    app, base = live_server.app, str(live_server)
    sitting, people = _the_sitting_under_way(app)
    tablet = browser.new_context(viewport=TABLET)
    page = tablet.new_page()
    sign_in(page, base, "proctor")
    page.goto(f"{base}/proctor/sittings/{sitting.id}")
    for enrollment, seat in people:
        row = page.locator(f"#candidate-{enrollment}")
        row.locator("input[name=seat_no]").fill(str(seat))
        with page.expect_response(lambda r, e=enrollment: r.url.endswith(f"/candidates/{e}/check-in")):
            row.locator("form.checkin button[value=present]").click()

    page.click("#scan-sheets")
    sample = app.config["EXAMSVC"].instance_dir / "demo-answer-sheets.pdf"
    page.set_input_files("#scan-upload input[type=file]", str(sample))
    page.click("#scan-upload button[type=submit]")
    expect(page.locator(".flash, .notice, [role=status]").first).to_be_visible()
    expect(page.locator("#scans tr[data-state=entered]")).to_have_count(3)
    expect(page.locator("#scans tr[data-state=review]")).to_have_count(1)

    page.locator("#scans tr[data-state=review] a").click()
    question = page.locator("fieldset.flagged-question")
    expect(question).to_have_count(1)
    picture = question.locator("img")
    expect(picture).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=page.locator(".scan-page img").element_handle()
    )
    keep_for_docs(page, "proctor-scan-review", ".scan-view")
    number = int(question.get_attribute("id").split("-")[1])
    ticked_seat = people[1][1]
    right = right_answers(app, sitting, ticked_seat).split()[number - 1]
    question.locator(f"input[value='{right}']").check()
    page.click("#decide button[type=submit]")
    expect(page.locator("#scans tr[data-state=review]")).to_have_count(0)
    tablet.close()

    second = browser.new_context(viewport=TABLET)
    other = second.new_page()
    sign_in(other, base, "proctor2")
    for _ in people:
        other.goto(f"{base}/proctor/sittings/{sitting.id}/scans")
        other.locator("#scans a:has-text('对照图像确认')").first.click()
        image = other.locator(".scan-page img").element_handle()
        other.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image)  # the page, shown
        other.click("#confirm-scan button")
        expect(other.locator(".badge.status-approved, .flash, .notice").first).to_be_visible()
    second.close()

    truths = [_truth(app, sitting, n, seat) for n, (_, seat) in enumerate(people)]  # before: one writer
    with app.app_context():
        s = db_session()
        confirmer = s.scalar(select(User.id).where(User.username == "proctor2"))
        for (enrollment, _), truth in zip(people, truths, strict=True):
            attempt = s.scalar(select(Attempt).where(Attempt.enrollment_id == enrollment))
            assert attempt.answers == truth and attempt.confirmed_by == confirmer
