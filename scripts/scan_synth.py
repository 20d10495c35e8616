"""Synthetic answer sheets for scripts/bench_scan.py: the real printed sheet, filled in by hand-like
marks with a truth for every bubble, then scanned, photocopied or photographed. Seeded: the same
arguments give the same images.

A bubble's truth is "filled", "empty" or "ambiguous" (a tick, a cross or a circle instead of a fill:
no reader may decide it alone). Erasures are empty, faint and partial fills are filled: a reader may
flag them, but not read them the other way round.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from examsvc import Config, create_app
from examsvc.core.pdf import render_pdf
from examsvc.papers.pdf import paper_html, seat_pages
from examsvc.papers.sheet_layout import SheetLayout, mark_rows, sheet_layout

FILLED, EMPTY, AMBIGUOUS = "filled", "empty", "ambiguous"


def payload() -> dict:
    """A 100-question paper as the default blueprint makes them: 40 true/false, 40 single, 20 multiple."""
    questions = []
    for kind, count in (("truefalse", 40), ("single", 40), ("multiple", 20)):
        for i in range(count):
            options = {} if kind == "truefalse" else {k: f"选项{k}" for k in "ABCD"}
            questions.append(
                {"type": kind, "stem": f"第{i}题", "options": options, "answer": "A", "points_tenths": 10}
            )
    return {"class": "2026-00042", "sitting": "first", "questions": questions}


FACTS = {
    "bureau": "某市应急管理局",
    "title": "读卡基准",
    "sitting_label": "首考",
    "class_code": "2026-00042",
    "class_title": "读卡基准",
    "institution": "某培训学校",
    "starts": "2026-12-01 09:00",
    "duration": 90,
    "full_mark": 100,
    "pass_mark": 80,
    "paper_tag": "5eed5eed",
}
ROWS = mark_rows(payload()["questions"])


def printed_sheets(seats: int, dpis: tuple[int, ...]) -> dict[int, list[np.ndarray]]:
    """Each seat's answer sheet as wkhtmltopdf prints it, rasterised by pdftoppm at each dpi."""
    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    app = create_app(Config(env="testing", instance_dir=work, database_url=f"sqlite:///{work / 'x.db'}"))
    with app.test_request_context():
        html = paper_html(payload(), 7, seats, FACTS)
        printed = seat_pages(payload(), 7, seats)
    (work / "paper.pdf").write_bytes(render_pdf(html))
    last_pages, page = [], 0
    for seat in printed:
        page += len(seat["pages"]) + 2
        last_pages.append(page)
    out: dict[int, list[np.ndarray]] = {}
    for dpi in dpis:
        out[dpi] = []
        for number in last_pages:
            stem = work / f"s{dpi}-{number}"
            command = ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(number), "-l", str(number)]
            subprocess.run([*command, str(work / "paper.pdf"), str(stem)], check=True)
            out[dpi].append(cv2.imread(str(next(work.glob(f"s{dpi}-{number}*.png"))), cv2.IMREAD_GRAYSCALE))
    return out


def printed_markers(gray: np.ndarray) -> np.ndarray:
    """The four corner squares of a clean print: the four largest solid dark blobs, ordered TL, TR,
    BR, BL. (The generator's own finding, independent of the reader's.)"""
    _, ink = cv2.threshold(gray, 128, 255, cv2.THRESH_BINARY_INV)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink)
    solid = [
        i
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] > 0.9 * stats[i, cv2.CC_STAT_WIDTH] * stats[i, cv2.CC_STAT_HEIGHT]
    ]
    biggest = sorted(solid, key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:4]
    points = centroids[biggest]
    by_sum, by_diff = points.sum(axis=1), points[:, 0] - points[:, 1]
    return np.float32(
        [points[by_sum.argmin()], points[by_diff.argmax()], points[by_sum.argmax()], points[by_diff.argmin()]]
    )


@dataclass
class Truth:
    bubbles: list[list[str]]  # per question, per bubble: filled, empty or ambiguous
    two_on_single: set[int]  # question numbers marked twice where one mark is allowed
    uncertain_by_design: bool = False  # an erasure, a faint fill, a tick, a double mark: a look is due


def mark(
    gray: np.ndarray, rng: np.random.Generator, ambiguous_per_sheet: int = 0
) -> tuple[np.ndarray, Truth]:
    """The sheet filled in by a candidate: pen and pencil fills of varied darkness, partial and faint
    fills, erasures, stray strokes; `ambiguous_per_sheet` ticks, crosses or circles instead of fills."""
    layout = sheet_layout(ROWS)
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), printed_markers(gray))
    k = float(np.linalg.norm(to_image[:2, :2] @ np.array([1.0, 0.0])))  # image pixels per layout pixel
    out = gray.copy()
    truth = Truth([], set())
    ambiguous_at = set(rng.choice(len(layout.spots), size=ambiguous_per_sheet, replace=False).tolist())
    truth.uncertain_by_design = bool(ambiguous_at)
    # A changed answer (one bubble erased) on one sheet in twenty, one faint fill on one in thirty.
    erased_at = int(rng.integers(len(layout.spots))) if rng.random() < 0.05 else -1
    faint_at = int(rng.integers(len(layout.spots))) if rng.random() < 0.033 else -1
    twice_at = int(rng.integers(80)) if rng.random() < 0.05 else -1  # a true/false or single marked twice
    truth.uncertain_by_design |= max(erased_at, faint_at, twice_at) >= 0
    for index, spot in enumerate(layout.spots):
        count = len(spot.bubbles)
        if spot.type == "multiple":
            wanted = set(rng.choice(count, size=int(rng.integers(1, 4)), replace=False).tolist())
        else:
            wanted = set() if rng.random() < 0.04 else {int(rng.integers(count))}
        if index == twice_at and wanted:
            wanted.add(int((next(iter(wanted)) + 1) % count))
            truth.two_on_single.add(spot.number)
        states = []
        for b, bubble in enumerate(spot.bubbles):
            centre = _at(to_image, bubble.x, bubble.y)
            if index in ambiguous_at and b == min(wanted or {0}):
                rng.choice([_tick, _cross, _circle])(out, centre, k, rng)
                states.append(AMBIGUOUS)
            elif b in wanted:
                _fill(out, centre, k, rng, faint=index == faint_at)
                states.append(FILLED)
            else:
                if index == erased_at and b == (min(wanted or {0}) + 1) % count:
                    _erasure(out, centre, k, rng)
                states.append(EMPTY)
        truth.bubbles.append(states)
        if rng.random() < 0.01:  # a stray stroke by the number: outside every bubble
            x, y = _at(to_image, spot.label_x - 20, spot.y)
            cv2.line(out, (x, y), (x + int(10 * k), y + int(rng.integers(-4, 5) * k)), 60, max(1, round(k)))
    return out, truth


def _at(matrix: np.ndarray, x: float, y: float) -> tuple[int, int]:
    p = cv2.perspectiveTransform(np.float32([[[x, y]]]), matrix)[0, 0]
    return round(float(p[0])), round(float(p[1]))


def _fill(out, c, k, rng, faint: bool = False) -> None:  # type: ignore[no-untyped-def]
    shade = int(rng.integers(5, 60)) if rng.random() < 0.5 else int(rng.integers(60, 125))  # pen, 2B pencil
    if faint:
        shade = int(rng.integers(135, 170))
    cover = 1.0 if rng.random() < 0.85 else float(rng.uniform(0.7, 0.95))  # partial: not to the edges
    axes = (max(2, round(10.5 * k * cover)), max(2, round(6.5 * k * cover)))
    jitter = (c[0] + int(rng.integers(-1, 2) * k), c[1] + int(rng.integers(-1, 2) * k))
    cv2.ellipse(out, jitter, axes, float(rng.uniform(-8, 8)), 0, 360, shade, -1, cv2.LINE_AA)
    for _ in range(3):  # a hand's strokes leave uneven edges
        dx = int(rng.integers(-9, 10) * k)
        cv2.line(
            out,
            (c[0] + dx - int(3 * k), c[1] - int(5 * k)),
            (c[0] + dx, c[1] + int(5 * k)),
            shade,
            max(1, round(k)),
        )


def _erasure(out, c, k, rng) -> None:  # type: ignore[no-untyped-def]
    smudge = int(rng.integers(195, 225))
    cv2.ellipse(out, c, (round(10 * k), round(6 * k)), 0, 0, 360, smudge, -1, cv2.LINE_AA)


def _tick(out, c, k, rng) -> None:  # type: ignore[no-untyped-def]
    pts = np.int32([[c[0] - 8 * k, c[1] - k], [c[0] - 2 * k, c[1] + 6 * k], [c[0] + 10 * k, c[1] - 9 * k]])
    cv2.polylines(
        out, [pts], False, int(rng.integers(10, 90)), max(1, round(k * rng.uniform(0.8, 1.6))), cv2.LINE_AA
    )


def _cross(out, c, k, rng) -> None:  # type: ignore[no-untyped-def]
    shade, width = int(rng.integers(10, 90)), max(1, round(k * rng.uniform(0.8, 1.6)))
    for d in (-1, 1):
        a, b = (round(c[0] - 8 * k), round(c[1] - 6 * k * d)), (round(c[0] + 8 * k), round(c[1] + 6 * k * d))
        cv2.line(out, a, b, shade, width, cv2.LINE_AA)


def _circle(out, c, k, rng) -> None:  # type: ignore[no-untyped-def]
    axes = (round(14 * k), round(9.5 * k))
    cv2.ellipse(
        out,
        c,
        axes,
        float(rng.uniform(-10, 10)),
        0,
        360,
        int(rng.integers(10, 90)),
        max(1, round(k)),
        cv2.LINE_AA,
    )


# ---- how the page reaches the reader
def scanned(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = gray.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-2, 2)), 1.0)
    turn[:, 2] += rng.uniform(-15, 15, size=2)
    page = cv2.warpAffine(gray, turn, (w, h), borderValue=250).astype(np.float32)
    page = cv2.GaussianBlur(page, (0, 0), float(rng.uniform(0.3, 0.8))) + rng.normal(0, 4, page.shape)
    if rng.random() < 0.1:
        page = page[::-1, ::-1]  # fed upside down
    return np.clip(page, 0, 255).astype(np.uint8)


def photocopied(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Contrast lost, a grey and uneven background, toner specks: a global threshold fills every bubble."""
    page = scanned(gray, rng).astype(np.float32)
    floor, gain = float(rng.uniform(60, 100)), float(rng.uniform(0.45, 0.6))
    h, w = page.shape
    shade = np.linspace(0, float(rng.uniform(10, 35)), w, dtype=np.float32)[None, :]
    page = floor + page * gain - shade
    page[rng.random(page.shape) < 0.003] = float(rng.uniform(40, 90))
    return np.clip(cv2.GaussianBlur(page, (0, 0), 0.7), 0, 255).astype(np.uint8)


def photographed(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A phone over a desk: perspective, a turn of up to 10 degrees, blur, uneven light, JPEG."""
    h, w = gray.shape
    frame_w, frame_h = int(w * 1.25), int(h * 1.2)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    scale = float(rng.uniform(0.8, 0.95))
    centre = np.float32([frame_w / 2, frame_h / 2]) + rng.uniform(-30, 30, size=2)
    angle = np.deg2rad(rng.uniform(-10, 10))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    placed = (corners - [w / 2, h / 2]) * scale @ rot.T + centre
    placed += rng.uniform(-0.03, 0.03, size=(4, 2)) * [w, h]  # perspective: each corner its own way
    desk = float(rng.uniform(40, 140))
    page = cv2.warpPerspective(
        gray, cv2.getPerspectiveTransform(corners, np.float32(placed)), (frame_w, frame_h), borderValue=desk
    )
    ys, xs = np.mgrid[0:frame_h, 0:frame_w].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, size=2)
    light = 1.0 - 0.35 * ((xs / frame_w - 0.5) * gx + (ys / frame_h - 0.5) * gy + 0.5) * float(
        rng.uniform(0.4, 1.0)
    )
    page = cv2.GaussianBlur(page.astype(np.float32) * light, (0, 0), float(rng.uniform(0.6, 1.6)))
    page = np.clip(page + rng.normal(0, 3, page.shape), 0, 255).astype(np.uint8)
    quality = int(rng.integers(60, 86))
    return cv2.imdecode(
        cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_GRAYSCALE
    )


def layout() -> SheetLayout:
    return sheet_layout(ROWS)
