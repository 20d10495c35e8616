"""Real browser, tablet size: the demo's scanner batch (four sheets, one with a tick instead of a fill)
uploaded at the sitting under way; the proctor decides the ticked question from its picture, the
second proctor confirms each sheet with its image, and the entries are the sheets' truth."""

from __future__ import annotations

import cv2
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examsvc.auth.models import User
from examsvc.core.db import db_session
from examsvc.exams import tickets
from examsvc.exams.models import Attempt, Sitting
from examsvc.exams.roster import sitting_roster

from .conftest import PASSWORD, World
from .docs_screenshots import keep_for_docs
from .helpers import Client
from .hostile_scan_helpers import SCANS, graded, served, started_sitting
from .scan_helpers import blank_sheets, filled, pdf_of, right_marks, rows_of, ticked
from .stored import committed_database
from .tablet_helpers import base, call, right_answers
from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
LANDSCAPE_TABLET = {"width": 1024, "height": 768}
LOADED = "img => img.complete && img.naturalWidth > 0"


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


# ---------------------------------------------------------------- a batch printed from the real paper


def _other(token: str, allowed: str) -> str:
    """A wrong answer for this right one: the other of 对/错, a letter less, or another letter."""
    if token in "对错":
        return "错" if token == "对" else "对"
    if len(token) > 1:
        return token[:-1]
    return next(letter for letter in allowed if letter != token)


def _three_sheets(app, sitting, tmp_path):  # type: ignore[no-untyped-def]
    """The real printed sheets of seats 1-3 as one scanner PDF: seat 1 all right; seat 2 all right but
    one single-choice question ticked instead of filled and another filled twice; seat 3 some right,
    some wrong, some blank, upside down. The PDF, each seat's truth, and seat 2's flagged numbers."""
    rows = rows_of(app, sitting)
    printed = blank_sheets(app, sitting, [1, 2, 3], tmp_path)
    right = {seat: right_marks(app, sitting, seat) for seat in (1, 2, 3)}
    tick, double = [n for n, (kind, _) in enumerate(rows, 1) if kind == "single"][2:4]
    marks = [*right[2]]
    marks[tick - 1] = "-"
    marks[double - 1] = right[2][double - 1] + _other(right[2][double - 1], rows[double - 1][1])
    seat2 = ticked(filled(printed[2], rows, marks), rows, tick, right[2][tick - 1])
    truth3 = [
        "-" if n % 7 == 3 else _other(t, rows[n][1]) if n % 3 == 0 else t for n, t in enumerate(right[3])
    ]
    seat3 = cv2.rotate(filled(printed[3], rows, truth3), cv2.ROTATE_180)
    pdf = tmp_path / "scanner-batch.pdf"
    pdf.write_bytes(pdf_of([filled(printed[1], rows, right[1]), seat2, seat3]))
    truths = {1: " ".join(right[1]), 2: " ".join(right[2]), 3: " ".join(truth3)}
    return pdf, truths, (tick, double), right[2]


def _sign_in_as(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{url}/proctor")


def test_a_printed_batch_with_a_tick_a_double_mark_and_a_turned_page(browser, tmp_path):  # noqa: F811
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    try:
        sitting, people = started_sitting(app, World(app))
        proctor = Client(app)
        proctor.login("proctor1", PASSWORD)
        for seat, enrollment in enumerate(people, 1):
            path = f"{base(sitting, enrollment)}/check-in"
            assert call(proctor, path, {"presence": "present", "seat_no": seat}).status_code == 200
        pdf, truths, flagged, right2 = _three_sheets(app, sitting, tmp_path)
        with served(app) as url:
            _decide_in_the_browser(browser, url, sitting, pdf, flagged, right2, tmp_path)
            _confirm_in_the_browser(browser, url, sitting)
        with app.app_context():
            s = db_session()
            ids = dict(s.execute(select(User.username, User.id)).all())
            attempts = {
                a.seat_no: a for a in s.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
            }
        for seat, truth in truths.items():
            attempt = attempts[seat]
            assert attempt.answers == truth, seat
            assert (attempt.score_tenths, attempt.passed) == graded(app, sitting, seat, truth), seat
            assert (attempt.entered_by, attempt.confirmed_by) == (ids["proctor1"], ids["proctor2"]), seat
        assert attempts[1].score_tenths == attempts[2].score_tenths == graded(app, sitting, 1, truths[1])[0]
        assert attempts[3].score_tenths < attempts[1].score_tenths
    finally:
        app.extensions["examsvc.db"].engine.dispose()
        drop()


def _decide_in_the_browser(browser, url, sitting, pdf, flagged, right2, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(viewport=LANDSCAPE_TABLET)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in_as(page, url, "proctor1")
    page.goto(f"{url}/proctor/sittings/{sitting.id}")
    page.click("#scan-sheets")
    page.wait_for_url(f"{url}{SCANS.format(sitting.id)}")
    page.set_input_files("#scan-upload input[type=file]", str(pdf))
    page.click("#scan-upload button[type=submit]")
    expect(page.locator(".flash.info")).to_be_visible()  # the summary: pages read, entered, to check
    expect(page.locator("#scans tr[data-state=entered]")).to_have_count(2)
    expect(page.locator("#scans tr[data-state=review]")).to_have_count(1)
    expect(page.locator("#scans tr[data-state=review] td").nth(1)).to_have_text("2")
    page.locator("#scans tr[data-state=review] a").click()
    questions = page.locator("fieldset.flagged-question")
    expect(questions).to_have_count(2)
    assert sorted(int(q.get_attribute("id").split("-")[1]) for q in questions.all()) == sorted(flagged)
    for picture in [*page.locator("fieldset.flagged-question img").all(), page.locator(".scan-page img")]:
        page.wait_for_function(LOADED, arg=picture.element_handle())
        assert picture.evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(tmp_path / "decide.png"))  # looked at by hand; docs/ has the demo's
    for number in flagged:
        page.locator(f"#question-{number} input[value='{right2[number - 1]}']").click()
    page.click("#decide button[type=submit]")
    expect(page.locator("#scans tr[data-state=review]")).to_have_count(0)
    expect(page.locator("#scans tr[data-state=entered]")).to_have_count(3)
    assert not errors, errors
    context.close()


def _confirm_in_the_browser(browser, url, sitting) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    context = browser.new_context(viewport=LANDSCAPE_TABLET)
    page = context.new_page()
    _sign_in_as(page, url, "proctor2")
    to_confirm = page.locator("#scans tr[data-state=entered] a.button")  # "Confirm with the image"
    for left in (3, 2, 1):
        page.goto(f"{url}{SCANS.format(sitting.id)}")
        expect(to_confirm).to_have_count(left)
        to_confirm.first.click()
        page.wait_for_function(LOADED, arg=page.locator(".scan-page img").element_handle())  # the page, shown
        page.click("#confirm-scan button")
        page.wait_for_load_state()
    page.goto(f"{url}{SCANS.format(sitting.id)}")
    expect(to_confirm).to_have_count(0)
    context.close()
