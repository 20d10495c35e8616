"""Real browser, tablet size, a fake camera showing seat 1's answer sheet filled with the right answers:
the proctor goes offline and opens the sheet camera (static/sheetcam.js); it finds the four corner
squares, captures the sheet once while it stays in view, and queues it in the tablet's outbox. Back
online, the sheet reaches the server once and is read and entered: full marks."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from examsvc.core.db import db_session
from examsvc.scans.models import AnswerScan
from examsvc.scans.reader import read_page

from .conftest import PASSWORD, World
from .fake_camera import write_y4m
from .helpers import Client
from .hostile_scan_helpers import started_sitting
from .scan_helpers import blank_sheets, filled, right_marks, rows_of
from .stored import committed_database
from .tablet_helpers import base, call, stored_result
from .test_browser import CHROMIUM, CHROMIUM_ARGS, TABLET

pytestmark = pytest.mark.browser
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
FRAME = (1920, 1080)  # what sheetcam.js asks the camera for
DESK = (168, 160, 150)  # a light grey desk around the sheet
ALL_SENT = "在线：所有录入均已送达服务器。"


def _camera_frame(sheet: np.ndarray) -> Image.Image:
    """The sheet as a tablet held over a desk sees it: upright, 94 % of the frame's height, centred."""
    width, height = FRAME
    tall = round(height * 0.94)
    wide = round(sheet.shape[1] * tall / sheet.shape[0])
    picture = Image.fromarray(cv2.resize(sheet, (wide, tall), interpolation=cv2.INTER_AREA)).convert("RGB")
    frame = Image.new("RGB", FRAME, DESK)
    frame.paste(picture, ((width - wide) // 2, (height - tall) // 2))
    return frame


@pytest.fixture(scope="module")
def exam_room(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A committed database served on a real port, seat 1 checked in, and a Chromium whose camera
    shows seat 1's sheet, every answer right."""
    tmp = tmp_path_factory.mktemp("sheetcam")
    _, app, drop = committed_database(tmp, "db", "upgrade")
    server = None
    try:
        world = World(app)
        sitting, people = started_sitting(app, world)
        enrollment = people[0]
        tablet = Client(app)
        tablet.login("proctor1", PASSWORD)
        checked_in = call(
            tablet, f"{base(sitting, enrollment)}/check-in", {"presence": "present", "seat_no": 1}
        )
        assert checked_in.status_code == 200, checked_in.get_json()
        rows = rows_of(app, sitting)
        sheet = filled(blank_sheets(app, sitting, [1], tmp)[1], rows, right_marks(app, sitting, 1))
        frame = _camera_frame(sheet)
        # The server reads this very picture (as the browser's JPEG will be, near enough): seat 1, all clear.
        reading = read_page(np.asarray(frame.convert("L")), lambda _sheet: rows)
        assert reading.sheet.seat == 1 and reading.flagged_count == 0
        video = write_y4m(tmp / "sheet.y4m", frame, width=FRAME[0], height=FRAME[1], frames=2)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            args = [*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}"]
            browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
            yield SimpleNamespace(
                app=app,
                base=f"http://127.0.0.1:{server.server_port}",
                browser=browser,
                sitting=sitting,
                enrollment=enrollment,
            )
            browser.close()
    finally:
        if server is not None:
            server.shutdown()
        app.extensions["examsvc.db"].engine.dispose()
        drop()


def _sign_in(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/login")
    page.fill("#username", "proctor1")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base_url}/proctor")


def _scans(app, sitting_id: int) -> list[AnswerScan]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(AnswerScan).where(AnswerScan.sitting_id == sitting_id).order_by(AnswerScan.id)
        return list(db_session().scalars(query))


def test_a_sheet_held_under_the_camera_offline_is_captured_once_and_entered_when_back_online(exam_room):
    room = exam_room
    context = room.browser.new_context(viewport=TABLET, permissions=["camera"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, room.base)
    page.goto(f"{room.base}/proctor/sittings/{room.sitting.id}")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # served through the worker from now on, as on exam day

    context.set_offline(True)
    expect(page.locator("#sync-status")).to_contain_text("离线", timeout=20_000)
    page.click("#sheet-camera-open")
    panel = page.locator("#sheet-camera")
    expect(panel).to_be_visible()
    shots = panel.locator(".sheetcam-results li")
    expect(shots).to_have_count(1, timeout=20_000)  # found, held steady, captured: no button pressed
    expect(panel.locator(".camera-status")).to_have_text(panel.get_attribute("data-msg-captured"))
    assert page.evaluate("() => document.querySelector('.sheetcam-results canvas').width") > 0
    expect(page.locator("#sync-status")).to_contain_text("1 条待发送", timeout=20_000)
    size = page.evaluate(
        "() => [document.querySelector('#sheet-camera video').videoWidth,"
        " document.querySelector('#sheet-camera video').videoHeight]"
    )
    assert tuple(size) == FRAME  # the camera at the resolution asked for
    # The same sheet stays in view (its corner squares never leave the frame): never captured again.
    page.wait_for_timeout(3_000)
    expect(shots).to_have_count(1)
    assert panel.get_attribute("data-captures") == "1"
    assert _scans(room.app, room.sitting.id) == []
    panel.locator(".sheetcam-close").click()
    expect(panel).to_be_hidden()

    context.set_offline(False)
    expect(page.locator("#sync-status")).to_contain_text(ALL_SENT, timeout=40_000)
    scans = _scans(room.app, room.sitting.id)
    assert [(s.state, s.seat_no, s.source, s.enrollment_id) for s in scans] == [
        ("entered", 1, "camera", room.enrollment)
    ]
    assert stored_result(room.app, room.sitting, room.enrollment) == (100.0, True)
    expect(shots.first).to_contain_text("1 号座位：答题卡已读取并录入。")  # the server's answer, in the list
    assert page.locator("#refused").is_hidden()
    assert not errors, errors
    context.close()


def test_a_picture_the_server_cannot_read_is_listed_with_its_reason_and_not_sent_again(exam_room):
    """The server's 422 (no readable sheet, nothing stored) for the automatic capture and for one taken
    by hand: each shows its reason in the camera's list and in the list of refused entries."""
    room = exam_room
    context = room.browser.new_context(viewport=TABLET, permissions=["camera"], service_workers="block")
    page = context.new_page()
    _sign_in(page, room.base)
    page.goto(f"{room.base}/proctor/sittings/{room.sitting.id}")
    before = len(_scans(room.app, room.sitting.id))
    reason = "未找到答题卡二维码：请扫描或拍摄整张答题卡，保持平整、清晰。"
    posted: list[dict] = []

    def unreadable(route) -> None:  # type: ignore[no-untyped-def]
        posted.append(route.request.post_data_json)
        route.fulfill(
            status=422, content_type="application/json", body=json.dumps({"ok": False, "message": reason})
        )

    page.route(f"**/proctor/sittings/{room.sitting.id}/scans", unreadable)
    page.click("#sheet-camera-open")
    panel = page.locator("#sheet-camera")
    shots = panel.locator(".sheetcam-results li")
    expect(shots).to_have_count(1, timeout=20_000)
    expect(shots.first).to_contain_text(reason, timeout=20_000)
    panel.locator(".sheetcam-take").click()  # by hand, the same sheet still in view
    expect(shots).to_have_count(2, timeout=10_000)
    expect(shots.first).to_contain_text(reason, timeout=20_000)
    refused = page.locator("#refused li")
    expect(refused).to_have_count(3)  # its title, then each picture
    label = page.locator("#refused").get_attribute("data-msg-scan").split("%(time)s")[0]
    for item in refused.all()[1:]:
        expect(item).to_contain_text(label)
        expect(item).to_contain_text(reason)
    keys = [body["idempotency_key"] for body in posted]
    assert (
        len(keys) == 2
        and len(set(keys)) == 2
        and all(b["image"].startswith("data:image/jpeg;base64,") for b in posted)
    )
    expect(page.locator("#sync-status")).to_contain_text(ALL_SENT)  # refused ones are not sent again
    page.wait_for_timeout(500)
    assert len(posted) == 2 and len(_scans(room.app, room.sitting.id)) == before
    context.close()
