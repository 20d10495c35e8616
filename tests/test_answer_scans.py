"""Answer sheets read by scanner: placed by their QR, entered when nothing is uncertain, held for a
person when something is, never two results for a seat, and every page that cannot be placed kept
with a clear reason while the others go on."""

from __future__ import annotations

import base64
import io
import secrets
from datetime import date

import cv2
import numpy as np
import qrcode
from sqlalchemy import func, select

from examsvc.audit.service import SYSTEM
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt
from examsvc.ops.retention import anonymise
from examsvc.papers.sheet_layout import sheet_qr_text
from examsvc.scans.models import AnswerScan

from .conftest import PASSWORD, schedule_sitting
from .helpers import Client
from .paper_helpers import approved_class
from .scan_helpers import blank_sheets, filled, jpeg, pdf_of, png, right_marks, rows_of, ticked
from .tablet_helpers import base, call, enrollments, stored_result


def _check_in(tablet, sitting, enrollment_id, seat):  # type: ignore[no-untyped-def]
    answer = call(
        tablet, f"{base(sitting, enrollment_id)}/check-in", {"presence": "present", "seat_no": seat}
    )
    assert answer.status_code == 200, answer.get_json()


def _upload(client, sitting, files):  # type: ignore[no-untyped-def]
    page = f"/proctor/sittings/{sitting.id}/scans"
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    response = client.post(f"{page}/upload", data, page=page, content_type="multipart/form-data")
    assert response.status_code == 302
    return client.get(page).get_data(as_text=True)


def _scans(app, sitting) -> list[AnswerScan]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db_session().scalars(
                select(AnswerScan).where(AnswerScan.sitting_id == sitting.id).order_by(AnswerScan.id)
            )
        )


def test_a_batch_enters_clear_sheets_holds_an_uncertain_one_and_the_second_proctor_confirms(
    app, sitting, tablet, tmp_path
):
    first, second, _third = enrollments(app, sitting)
    _check_in(tablet, sitting, first, 1)
    _check_in(tablet, sitting, second, 2)
    rows = rows_of(app, sitting)
    sheets = blank_sheets(app, sitting, [1, 2], tmp_path)
    clear = filled(sheets[1], rows, right_marks(app, sitting, 1))
    marks = right_marks(app, sitting, 2)
    unsure = ticked(filled(sheets[2], rows, marks[:4] + ["-"] + marks[5:]), rows, 5, marks[4][0])
    page = _upload(tablet, sitting, [("batch.pdf", pdf_of([clear, cv2.rotate(unsure, cv2.ROTATE_180)]))])
    assert "batch.pdf · 1" in page and "batch.pdf · 2" in page
    assert stored_result(app, sitting, first) == (100.0, True)
    assert stored_result(app, sitting, second) == (None, None)  # nothing uncertain is graded silently
    held = [s for s in _scans(app, sitting) if s.seat_no == 2][0]
    assert held.state == "review"
    review = tablet.get(f"/proctor/sittings/{sitting.id}/scans/{held.id}").get_data(as_text=True)
    assert 'id="question-5"' in review and 'id="question-4"' not in review
    picture = tablet.get(f"/proctor/sittings/{sitting.id}/scans/{held.id}/questions/5.png")
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG")
    decided = tablet.post(
        f"/proctor/sittings/{sitting.id}/scans/{held.id}/decide",
        {"q5": marks[4]},
        page=f"/proctor/sittings/{sitting.id}/scans/{held.id}",
    )
    assert decided.status_code == 302
    assert stored_result(app, sitting, second) == (100.0, True)
    # The uploader entered both: a second proctor confirms, with the image beside the reading.
    own = tablet.get(f"/proctor/sittings/{sitting.id}/scans/{held.id}").get_data(as_text=True)
    assert 'id="confirm-scan"' not in own
    other = Client(app)
    other.login("proctor2", PASSWORD)
    seen = other.get(f"/proctor/sittings/{sitting.id}/scans/{held.id}").get_data(as_text=True)
    assert 'id="confirm-scan"' in seen and f"scans/{held.id}/page.jpg" in seen
    version = seen.split('name="version" value="')[1].split('"')[0]
    confirm = f"{base(sitting, second)}/confirm"
    assert (
        other.post(confirm, {"version": version}, page=f"/proctor/sittings/{sitting.id}").status_code == 302
    )
    with app.app_context():
        attempt = db_session().scalar(select(Attempt).where(Attempt.enrollment_id == second))
        assert attempt.confirmed_by is not None and attempt.answers == " ".join(marks)


def _with_qr(gray: np.ndarray, text: str) -> np.ndarray:
    """The sheet with another QR printed over its own (a sheet of another sitting or paper)."""
    code = qrcode.QRCode(border=2, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text.encode())
    code.make(fit=True)
    image = np.array(code.make_image().convert("L"))
    found = cv2.QRCodeDetector().detect(gray)[1]
    assert found is not None
    x0, y0 = found[0].min(axis=0).astype(int) - 12
    side = int(found[0].max(axis=0)[0] - found[0].min(axis=0)[0]) + 24
    out = gray.copy()
    out[y0 : y0 + side, x0 : x0 + side] = cv2.resize(image, (side, side), interpolation=cv2.INTER_NEAREST)
    return out


def test_pages_that_cannot_be_placed_are_kept_with_their_reason_and_never_two_results(
    app, sitting, tablet, tmp_path
):
    first, second, third = enrollments(app, sitting)
    _check_in(tablet, sitting, first, 1)
    _check_in(tablet, sitting, second, 2)
    rows = rows_of(app, sitting)
    sheets = blank_sheets(app, sitting, [1, 2, 3], tmp_path)
    one = filled(sheets[1], rows, right_marks(app, sitting, 1))
    code = sitting.training_class.code
    retake = _with_qr(sheets[2], sheet_qr_text(f"{code}-B-002", "0" * 8))
    other_paper = _with_qr(sheets[2], sheet_qr_text(f"{code}-A-002", "0" * 8))
    empty_page = np.full((1754, 1240), 245, np.uint8)
    cv2.putText(empty_page, "not a sheet", (200, 400), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 5)
    page = _upload(
        tablet,
        sitting,
        [
            ("one.png", png(one)),
            ("again.jpg", jpeg(one)),  # the same seat scanned twice
            ("seat3.png", png(filled(sheets[3], rows, right_marks(app, sitting, 3)))),  # nobody at seat 3
            ("retake.png", png(retake)),
            ("other-paper.png", png(other_paper)),
            ("blank.png", png(empty_page)),
            ("notes.txt", b"these are not sheets"),
        ],
    )
    states = {s.page_label: s.state for s in _scans(app, sitting)}
    assert states == {
        "one.png": "entered",
        "again.jpg": "duplicate",
        "seat3.png": "unmatched",
        "retake.png": "unmatched",
        "other-paper.png": "unmatched",
        "blank.png": "unmatched",
    }
    assert "notes.txt: 不是可以打开的 PDF、JPEG 或 PNG 文件。" in page
    for reason in (
        "已读取过",
        "3 号座位没有已签到的考生",
        "属于其他班次或场次",
        "另一版本的试卷",
        "未找到答题卡二维码",
    ):
        assert reason in page, reason
    assert stored_result(app, sitting, first) == (100.0, True)
    # Once the candidate is checked in at seat 3, the kept page is read again and entered.
    _check_in(tablet, sitting, third, 3)
    kept = [s for s in _scans(app, sitting) if s.page_label == "seat3.png"][0]
    again = tablet.post(
        f"/proctor/sittings/{sitting.id}/scans/{kept.id}/again",
        {},
        page=f"/proctor/sittings/{sitting.id}/scans/{kept.id}",
    )
    assert again.status_code == 302
    assert stored_result(app, sitting, third) == (100.0, True)
    with app.app_context():
        in_force = db_session().scalar(
            select(func.count())
            .select_from(AnswerScan)
            .where(AnswerScan.sitting_id == sitting.id, AnswerScan.state.in_(["entered", "review"]))
        )
    assert in_force == 2


def test_a_photographed_sheet_is_read_once_whatever_the_resends(app, sitting, tablet, tmp_path):
    first = enrollments(app, sitting)[0]
    _check_in(tablet, sitting, first, 1)
    rows = rows_of(app, sitting)
    sheet = filled(blank_sheets(app, sitting, [1], tmp_path)[1], rows, right_marks(app, sitting, 1))
    photo = cv2.warpAffine(
        sheet, cv2.getRotationMatrix2D((600, 800), 7, 0.9), (sheet.shape[1], sheet.shape[0]), borderValue=90
    )
    body = {
        "image": "data:image/jpeg;base64," + base64.b64encode(jpeg(photo, 80)).decode(),
        "idempotency_key": secrets.token_hex(16),
    }
    path = f"/proctor/sittings/{sitting.id}/scans"
    answers = [call(tablet, path, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.get_json()["scan"] for a in answers} == {answers[0].get_json()["scan"]}
    assert answers[0].get_json()["state"] == "entered"
    assert len(_scans(app, sitting)) == 1 and stored_result(app, sitting, first) == (100.0, True)
    # A picture with no sheet in it is refused with its reason, and nothing is kept.
    nothing = {
        "image": "data:image/jpeg;base64,"
        + base64.b64encode(jpeg(np.full((600, 400), 200, np.uint8))).decode(),
        "idempotency_key": secrets.token_hex(16),
    }
    refused = call(tablet, path, nothing)
    assert refused.status_code == 422 and "二维码" in refused.get_json()["message"]
    assert len(_scans(app, sitting)) == 1
    # The image is sealed at rest, and goes with the person's other data when retention is due.
    assert jpeg(photo, 80)[:64] not in _scans(app, sitting)[0].sealed
    with app.app_context():
        s = db_session()
        anonymise(s, SYSTEM, date(2200, 1, 1), 5)
        s.commit()
    assert _scans(app, sitting) == []


def test_nothing_is_read_before_the_sitting_starts_nor_by_a_proctor_of_another_sitting(
    app, world, officer, tmp_path
):
    later = schedule_sitting(app, officer, approved_class(app, world), "first", started=False)
    tablet = Client(app)
    tablet.login("proctor1", PASSWORD)
    page = _upload(tablet, later, [("x.png", png(np.full((100, 100), 255, np.uint8)))])
    assert "考试尚未开始" in page and not _scans(app, later)
    officer_client = officer
    assert officer_client.get(f"/proctor/sittings/{later.id}/scans").status_code in {403, 404}
