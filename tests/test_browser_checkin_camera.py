"""Real browser, tablet size, a fake camera showing an admission ticket: the proctor scans it, takes
the photo, goes offline, marks the candidate present; back online, the photo and the check-in reach
the server once, at the ticket's seat."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
import qrcode
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import func, select

from examsvc.audit.service import SYSTEM
from examsvc.certificates.models import Certificate
from examsvc.classes.models import CandidatePhoto
from examsvc.core.db import db_session
from examsvc.demo.exams import sit_and_lock
from examsvc.exams.models import Attempt, Sitting
from examsvc.exams.tickets import issue, qr_text
from examsvc.papers.models import Paper
from examsvc.questions.cipher import BankCipher

from .docs_screenshots import keep_for_docs
from .fake_camera import write_y4m
from .test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    CHROMIUM_ARGS,
    TABLET,
    live_server,
    prepared_download,
    sign_in,
)

pytestmark = pytest.mark.browser
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def _ticket_of_first_candidate(app):  # type: ignore[no-untyped-def]
    """The demo's exam-day sitting, its tickets issued an hour before it started (as institutions
    print them the day before): the first candidate's enrollment, name, ticket number and seat."""
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.status == "scheduled").order_by(Sitting.starts_at))
        tickets = issue(s, SYSTEM, sitting, sitting.starts_at - timedelta(hours=1))
        s.commit()
        first = tickets[0]
        return sitting.id, first.enrollment_id, first.enrollment.trainee.name, first.number, first.seat_no


@pytest.fixture(scope="module")
def camera_on_ticket(live_server, tmp_path_factory):  # type: ignore[no-untyped-def]  # noqa: F811
    sitting_id, enrollment_id, name, number, seat = _ticket_of_first_candidate(live_server.app)
    video = tmp_path_factory.mktemp("camera") / "ticket.y4m"
    write_y4m(video, qrcode.make(qr_text(number)).get_image(), width=1280, height=720)
    with sync_playwright() as p:
        args = [*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"]
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser, (sitting_id, enrollment_id, name, seat)
        browser.close()


def test_check_in_by_ticket_qr_and_photo_survives_the_network_dropping(
    live_server,  # noqa: F811
    camera_on_ticket,
    tmp_path,
):
    app, base = live_server.app, str(live_server)
    browser, (sitting_id, enrollment_id, name, seat) = camera_on_ticket
    context = browser.new_context(viewport=TABLET, permissions=["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, "proctor")
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # served through the worker from now on, as on exam day

    page.click("#scan-ticket")
    panel = page.locator("#camera-panel")
    expect(panel.locator(".camera-candidate")).to_contain_text(name, timeout=20_000)
    expect(panel.locator(".camera-candidate")).to_contain_text(str(seat))
    shown = panel.locator("img.roster-photo")  # the institution's photo (the demo's stand-in), beside
    expect(shown).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.roster-photo').complete")  # loading
    assert page.evaluate("() => document.querySelector('img.roster-photo').naturalWidth") == 240
    notice = panel.get_attribute("data-msg-consent")
    assert "照片" in notice  # said to the candidate before the photo is taken
    expect(panel.locator(".camera-status")).to_have_text(notice)
    panel.locator(".camera-take").click()
    expect(panel.locator(".camera-present")).to_be_visible(timeout=10_000)
    assert page.evaluate("() => document.querySelector('canvas.taken-photo').width") > 0
    keep_for_docs(page, "proctor-check-in-camera", "#camera-panel")

    context.set_offline(True)
    expect(page.locator("#sync-status")).to_contain_text("离线", timeout=20_000)
    panel.locator(".camera-present").click()
    row = page.locator(f"#candidate-{enrollment_id}")
    expect(row.locator("input[name=seat_no]")).to_have_value(str(seat))
    expect(page.locator("#sync-status")).to_contain_text("2 条待发送", timeout=20_000)  # photo and check-in
    with app.app_context():
        taken = select(func.count()).where(CandidatePhoto.sitting_id == sitting_id)
        assert db_session().scalar(taken) == 0

    context.set_offline(False)
    expect(page.locator("#sync-status")).to_contain_text("在线：所有录入均已送达服务器。", timeout=40_000)
    with app.app_context():
        s = db_session()
        photos = s.scalars(select(CandidatePhoto).where(CandidatePhoto.sitting_id == sitting_id)).all()
        attempt = s.scalar(
            select(Attempt).where(Attempt.sitting_id == sitting_id, Attempt.enrollment_id == enrollment_id)
        )
        assert [p.enrollment_id for p in photos] == [enrollment_id]
        assert attempt.presence == "present" and attempt.seat_no == seat
    assert not errors
    context.close()
    _the_certificate_prints_the_photo(live_server, browser, sitting_id, enrollment_id, tmp_path)


def _the_certificate_prints_the_photo(live_server, browser, sitting_id, enrollment_id, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The proctors finish the sitting (everyone passes), the officer publishes in the browser and
    downloads the class's certificates: the candidate's page carries the photo taken at check-in
    (the fake camera's 640 x 360 frame), the others the institution's 240 x 320 photo."""
    app, base = live_server.app, str(live_server)
    with app.app_context():
        s = db_session()
        sitting = s.get(Sitting, sitting_id)
        paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == "first"))
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        sit_and_lock(s, SYSTEM, cipher, sitting, paper, lambda seat, n: "pass")
        s.commit()
        class_id = sitting.class_id
    office = browser.new_context(viewport=TABLET, accept_downloads=True)
    page = office.new_page()
    sign_in(page, base, "officer")
    page.goto(f"{base}/officer/classes/{class_id}")
    page.click(f"form[action='/officer/sittings/{sitting_id}/publish'] button")
    page.wait_for_selector("#certificates")
    pdf_path = tmp_path / "certificates.pdf"
    prepared_download(page, "#certificates-pdf").save_as(pdf_path)
    office.close()
    listed = subprocess.run(["pdfimages", "-list", str(pdf_path)], capture_output=True, text=True, check=True)
    sizes = {}
    for row in (line.split() for line in listed.stdout.splitlines()[2:]):
        if row[3] != row[4]:  # not the square QR
            sizes[int(row[0])] = (int(row[3]), int(row[4]))
    with app.app_context():
        order = list(
            db_session().scalars(
                select(Certificate.enrollment_id)
                .where(Certificate.class_id == class_id)
                .order_by(Certificate.id)
            )
        )
    ours = order.index(enrollment_id) + 1
    assert sizes[ours] == (640, 360)
    assert {size for page_no, size in sizes.items() if page_no != ours} <= {(240, 320)}
