"""The answer-sheet reader on the real printed sheet: what it reads right, and what it must hand to a
person instead of guessing (ticks, crosses, circles, two marks, faint marks, erasures)."""

from __future__ import annotations

import random
import subprocess

import cv2
import numpy as np
import pytest

from examsvc import Config, create_app
from examsvc.core.pdf import render_pdf
from examsvc.papers.pdf import paper_html
from examsvc.papers.sheet_layout import mark_rows, sheet_layout
from examsvc.scans import reader
from examsvc.scans.reader import SheetUnreadable, read_page

from .scan_helpers import filled


def _payload() -> dict:
    questions = []
    for kind, count in (("truefalse", 30), ("single", 30), ("multiple", 20)):
        for i in range(count):
            options = {} if kind == "truefalse" else {k: f"选项{k}" for k in "ABCD"}
            questions.append(
                {"type": kind, "stem": f"第{i}题", "options": options, "answer": "A", "points_tenths": 10}
            )
    return {"class": "2026-00009", "sitting": "first", "questions": questions}


FACTS = {
    "bureau": "某市应急管理局",
    "title": "读卡测试",
    "sitting_label": "首考",
    "class_code": "2026-00009",
    "class_title": "读卡",
    "institution": "某培训学校",
    "starts": "2026-12-01 09:00",
    "duration": 90,
    "full_mark": 100,
    "pass_mark": 80,
    "paper_tag": "0a1b2c3d",
}
ROWS = mark_rows(_payload()["questions"])


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Seat 1's answer sheet as printed (the last page of its paper), at 200 dpi."""
    where = tmp_path_factory.mktemp("sheet")
    app = create_app(Config(env="testing", instance_dir=where, database_url=f"sqlite:///{where / 'x.db'}"))
    with app.test_request_context():
        html = paper_html(_payload(), 7, 1, FACTS)
    (where / "p.pdf").write_bytes(render_pdf(html))
    pages = int(
        subprocess.run(["pdfinfo", str(where / "p.pdf")], capture_output=True, text=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-gray",
            "-png",
            "-f",
            str(pages),
            "-l",
            str(pages),
            str(where / "p.pdf"),
            str(where / "s"),
        ],
        check=True,
    )
    return cv2.imread(str(next(where.glob("s*.png"))), cv2.IMREAD_GRAYSCALE)


def _truth(seed: int) -> list[str]:
    rng = random.Random(seed)
    marks = []
    for kind, allowed in ROWS:
        if kind == "multiple":
            marks.append("".join(sorted(rng.sample(allowed, rng.randint(1, 3)))))
        else:
            marks.append(rng.choice(allowed) if rng.random() > 0.05 else "-")
    return marks


def _read(gray: np.ndarray):  # type: ignore[no-untyped-def]
    return read_page(gray, lambda sheet: ROWS)


def _turned(gray: np.ndarray, degrees: float, background: int = 255) -> np.ndarray:
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 0.92)
    return cv2.warpAffine(gray, matrix, (w, h), borderValue=background)


def _photo(gray: np.ndarray) -> np.ndarray:
    """Perspective, uneven light, blur and JPEG: a sheet on a desk, photographed."""
    h, w = gray.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[120, 90], [w - 60, 160], [w - 140, h - 40], [40, h - 120]])
    warped = cv2.warpPerspective(gray, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=70)
    light = (
        np.linspace(0.65, 1.0, w, dtype=np.float32)[None, :]
        * np.linspace(0.8, 1.0, h, dtype=np.float32)[:, None]
    )
    lit = cv2.GaussianBlur((warped * light).astype(np.uint8), (0, 0), 1.2)
    return cv2.imdecode(cv2.imencode(".jpg", lit, [cv2.IMWRITE_JPEG_QUALITY, 70])[1], cv2.IMREAD_GRAYSCALE)


def _photocopy(gray: np.ndarray) -> np.ndarray:
    """Grey background and lost contrast: one global threshold would read every bubble as filled."""
    rng = np.random.default_rng(3)
    dull = 95 + gray.astype(np.float32) * 0.5
    speckle = rng.random(gray.shape) < 0.002
    dull[speckle] = 60
    return np.clip(dull, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    "make",
    [
        lambda g: g,
        lambda g: _turned(g, 3),
        lambda g: _turned(g, 180),
        _photo,
        _photocopy,
        lambda g: _turned(g, -9, 90),
    ],
)
def test_clear_sheets_read_right_however_scanned_or_photographed(blank, make):
    truth = _truth(1)
    reading = _read(make(filled(blank, ROWS, truth, darkness=60)))
    assert reading.flagged_count <= 1  # a speck of toner in a bubble may ask for a look
    assert all((q.marks or "-") == m for q, m in zip(reading.questions, truth, strict=True) if not q.flagged)


def _draw(gray: np.ndarray, number: int, mark: str, draw) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Something drawn at one bubble, in the image's pixels (`draw(out, centre, scale)`)."""
    layout = sheet_layout(ROWS)
    _, qr = reader._qr(gray)
    corners = reader._markers(gray, layout, qr)
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), np.float32(corners))
    bubble = next(b for b in layout.spots[number - 1].bubbles if b.mark == mark)
    x, y = cv2.perspectiveTransform(np.float32([[[bubble.x, bubble.y]]]), to_image)[0, 0]
    scale = float(np.linalg.norm(corners[1] - corners[0]) / (layout.markers[1][0] - layout.markers[0][0]))
    out = gray.copy()
    draw(out, (round(x), round(y)), scale)
    return out


def _tick(out, c, k):  # type: ignore[no-untyped-def]
    pts = np.int32([[c[0] - 7 * k, c[1]], [c[0] - 2 * k, c[1] + 5 * k], [c[0] + 9 * k, c[1] - 8 * k]])
    cv2.polylines(out, [pts], False, 40, max(1, round(1.2 * k)))


def _cross(out, c, k):  # type: ignore[no-untyped-def]
    for dx in (-1, 1):
        cv2.line(
            out,
            (round(c[0] - 8 * k), round(c[1] - 6 * k * dx)),
            (round(c[0] + 8 * k), round(c[1] + 6 * k * dx)),
            40,
            max(1, round(k)),
        )


def _circle(out, c, k):  # type: ignore[no-untyped-def]
    cv2.ellipse(out, c, (round(15 * k), round(10 * k)), 0, 0, 360, 40, max(1, round(k)))


def _faint(out, c, k):  # type: ignore[no-untyped-def]
    cv2.ellipse(out, c, (round(10 * k), round(6 * k)), 0, 0, 360, 185, -1)


def _erased(out, c, k):  # type: ignore[no-untyped-def]
    cv2.ellipse(out, c, (round(10 * k), round(6 * k)), 0, 0, 360, 150, -1)
    cv2.ellipse(out, (c[0] + 3, c[1]), (round(9 * k), round(5 * k)), 0, 0, 360, 215, -1)


@pytest.mark.parametrize("mark_it", [_tick, _cross, _circle, _faint, _erased])
@pytest.mark.parametrize("number", [3, 45, 70])  # true/false, single and multiple choice
def test_ticks_crosses_circles_faint_marks_and_erasures_go_to_a_person(blank, mark_it, number):
    truth = _truth(2)
    truth[number - 1] = "-"
    _kind, allowed = ROWS[number - 1]
    sheet = _draw(filled(blank, ROWS, truth, darkness=60), number, allowed[1], mark_it)
    reading = _read(sheet)
    assert reading.questions[number - 1].flagged, reading.questions[number - 1]
    others = [q.marks or "-" for i, q in enumerate(reading.questions) if i != number - 1]
    assert others == [m for i, m in enumerate(truth) if i != number - 1]


def test_two_marks_where_one_is_allowed_go_to_a_person(blank):
    truth = _truth(3)
    truth[0], truth[40] = "对错", "AC"  # a true/false and a single choice question, each marked twice
    reading = _read(filled(blank, ROWS, truth, darkness=60))
    assert {q.number for q in reading.questions if q.flagged} == {1, 41}


def test_a_page_without_its_corners_or_its_qr_is_refused_in_words(blank):
    hidden = blank.copy()
    h, w = hidden.shape
    hidden[h - 400 :, :300] = 255  # a hand over the bottom-left marker
    with pytest.raises(SheetUnreadable, match="corner squares"):
        _read(hidden)
    no_qr = blank.copy()
    no_qr[:500, w - 500 :] = 255
    with pytest.raises(SheetUnreadable, match="QR"):
        _read(no_qr)
