"""Reading an answer sheet from a scan or a photo. Pure: an image in, what it says out.

1. The QR names the sheet (paper, seat) and, by where its corners lie, the page's orientation and
   rough scale: an upside-down or turned page reads like any other.
2. The four corner markers are looked for where the QR says they should be, and map the layout
   (papers/sheet_layout.py) onto the image exactly, perspective included.
3. The page is brought to a canonical size and divided by its own paper level (a wide max filter),
   so uneven light and a photocopy's grey background do not look like ink; the markers give the
   sheet's own ink level.
4. Each bubble is measured inside its outline (how dark, how much of it is dark) and around it (a
   circle or a mark just outside). It is filled, empty, or uncertain; a question with an uncertain
   bubble, or two marks where one is allowed, is flagged for a person and never graded as read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from ..core.msgid import N_, RuleError
from ..papers.sheet_layout import (
    BUBBLE_HEIGHT,
    BUBBLE_WIDTH,
    MARKER_SIDE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_BORDER_MODULES,
    QR_BOX,
    SheetId,
    SheetLayout,
    parse_sheet_qr,
    sheet_layout,
)

SCALE = 1.25  # canonical pixels per layout pixel: about a 150 dpi scan, enough for 24 x 15 px bubbles
DARK, LIGHT = 0.45, 0.30  # darkness (0 paper, 1 the markers' ink) counted as a mark, and as any trace
FILLED_COVER, FILLED_MEAN = 0.7, 0.42  # a heavy cross covers up to 0.6 of a bubble; real fills 0.95 and more
EMPTY_COVER, EMPTY_TRACE, EMPTY_MEAN, EMPTY_RING = 0.03, 0.08, 0.09, 0.08


class SheetUnreadable(RuleError):
    """The page is not a sheet this reader can place: said in words for the proctor."""


@dataclass(frozen=True)
class QuestionReading:
    number: int
    type: str
    marks: str  # the marks read as filled, in printed order ('' blank)
    flagged: bool
    states: str  # per bubble: f filled, e empty, ? uncertain
    fills: tuple[float, ...]  # per bubble, mean darkness inside the outline (what a person is shown)
    allowed: str  # every mark printed for this question


@dataclass(frozen=True)
class PageReading:
    sheet: SheetId
    questions: tuple[QuestionReading, ...]
    corners: tuple[tuple[float, float], ...]  # the markers in the image: layout's TL, TR, BR, BL
    upside_down: bool

    @property
    def flagged_count(self) -> int:
        return sum(q.flagged for q in self.questions)


RowsFor = Callable[[SheetId], Sequence[tuple[str, str]]]


def read_page(gray: np.ndarray, rows_for: RowsFor) -> PageReading:
    """What the sheet in `gray` (2-D uint8) says; SheetUnreadable when it is not a readable sheet.
    `rows_for` gives the sheet's rows (type, marks) from its QR, and may refuse the sheet itself."""
    sheet, qr_corners = _qr(gray)
    layout = sheet_layout(rows_for(sheet))
    corners = _markers(gray, layout, qr_corners)
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), np.float32(corners))
    canon = _canonical(gray, to_image)
    darkness = _darkness(canon, layout)
    _lined_up(darkness, layout)
    questions = tuple(_question(darkness, spot) for spot in layout.spots)
    upside_down = bool(corners[0][1] > corners[3][1])
    return PageReading(sheet, questions, tuple((float(x), float(y)) for x, y in corners), upside_down)


def _qr(gray: np.ndarray) -> tuple[SheetId, np.ndarray]:
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    if not found:
        raise SheetUnreadable(
            N_("No answer-sheet QR code was found: scan or photograph the whole sheet, flat and in focus.")
        )
    for code in found:
        sheet = parse_sheet_qr(code.text)
        if sheet is not None:
            p = code.position
            points = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
            return sheet, np.float32([(pt.x, pt.y) for pt in points])
    raise SheetUnreadable(N_("The QR code on this page is not one of an answer sheet."))


def _qr_symbol_corners() -> np.ndarray:
    """Where a decoder puts the QR's corners, in layout pixels (the symbol inside its quiet zone)."""
    left, top, side = QR_BOX
    inset = side * QR_BORDER_MODULES / (29 + 2 * QR_BORDER_MODULES)  # version 3: 29 modules
    a, b = left + inset, left + side - inset
    c, d = top + inset, top + side - inset
    return np.float32([(a, c), (b, c), (b, d), (a, d)])


def _markers(gray: np.ndarray, layout: SheetLayout, qr_corners: np.ndarray) -> np.ndarray:
    """The four markers' centres: the top two looked for where the QR predicts them, the bottom two
    where the top two do (a similarity: extrapolating the QR's small square with a perspective
    would multiply a pixel's error by the page's size)."""
    symbol = _qr_symbol_corners()
    guess, _ = cv2.estimateAffinePartial2D(symbol, qr_corners)
    scale = float(np.hypot(guess[0, 0], guess[1, 0]))
    side = MARKER_SIDE * scale
    found: list[tuple[float, float] | None] = [None] * 4
    for index in (0, 1):
        found[index] = _marker_near(gray, _apply(guess, layout.markers[index]), side, side * 2.5)
    if found[0] is not None and found[1] is not None:
        guess, _ = cv2.estimateAffinePartial2D(np.float32(layout.markers[:2]), np.float32(found[:2]))
        for index in (2, 3):
            found[index] = _marker_near(gray, _apply(guess, layout.markers[index]), side, side * 4)
    if any(spot is None for spot in found):
        raise SheetUnreadable(
            N_("The four black corner squares were not all found: get the whole sheet in the picture.")
        )
    quad = np.float32(found)
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        raise SheetUnreadable(N_("The corner squares do not make a page: is the sheet folded?"))
    return quad


def _apply(affine: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    return affine @ np.array([point[0], point[1], 1.0])


def _marker_near(gray: np.ndarray, at: np.ndarray, side: float, reach: float) -> tuple[float, float] | None:
    h, w = gray.shape
    x0, y0 = max(0, int(at[0] - reach)), max(0, int(at[1] - reach))
    x1, y1 = min(w, int(at[0] + reach)), min(h, int(at[1] + reach))
    if x1 - x0 < side or y1 - y0 < side:
        return None
    window = gray[y0:y1, x0:x1]
    _, ink = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    best, best_distance = None, None
    for i in range(1, count):
        bw, bh, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if not (0.45 * side < bw < 1.9 * side and 0.45 * side < bh < 1.9 * side):
            continue
        if not 0.55 < bw / bh < 1.8 or area < 0.6 * bw * bh:  # a solid square, seen at an angle at most
            continue
        cx, cy = centroids[i][0] + x0, centroids[i][1] + y0
        distance = (cx - at[0]) ** 2 + (cy - at[1]) ** 2
        if best_distance is None or distance < best_distance:
            best, best_distance = (float(cx), float(cy)), distance
    return best


def _canonical(gray: np.ndarray, to_image: np.ndarray) -> np.ndarray:
    size = (round(PAGE_WIDTH * SCALE), round(PAGE_HEIGHT * SCALE))
    to_canon = np.diag([SCALE, SCALE, 1.0]) @ np.linalg.inv(to_image)
    return cv2.warpPerspective(gray, to_canon, size, flags=cv2.INTER_AREA, borderValue=255)


def _darkness(canon: np.ndarray, layout: SheetLayout) -> np.ndarray:
    """0 where the paper is, 1 at the ink of the markers: the sheet's own levels, place by place."""
    image = canon.astype(np.float32)
    # The paper's own level, place by place: the brightest nearby (a max filter wider than any mark),
    # smoothed. Worked out at an eighth of the size, where it costs a millisecond, then enlarged.
    small = cv2.resize(image, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(cv2.dilate(small, np.ones((5, 5), np.uint8)), (0, 0), 2)
    paper = cv2.resize(small, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    level = image / np.maximum(paper, 1.0)
    inside = round(MARKER_SIDE * SCALE * 0.3)
    ink = np.median(
        [
            np.median(
                level[
                    round(y * SCALE) - inside : round(y * SCALE) + inside,
                    round(x * SCALE) - inside : round(x * SCALE) + inside,
                ]
            )
            for x, y in layout.markers
        ]
    )
    ink = min(float(ink), 0.6)  # a washed-out copy still has some contrast to go by
    return np.clip((1.0 - level) / (1.0 - ink), 0.0, 1.0)


def _ellipse(rx: float, ry: float, half_w: int, half_h: int) -> np.ndarray:
    ys, xs = np.mgrid[-half_h : half_h + 1, -half_w : half_w + 1]
    return (xs / rx) ** 2 + (ys / ry) ** 2


_HW, _HH = round(BUBBLE_WIDTH * SCALE * 0.75), round(BUBBLE_HEIGHT * SCALE * 0.95)
_R = _ellipse(BUBBLE_WIDTH * SCALE / 2, BUBBLE_HEIGHT * SCALE / 2, _HW, _HH)
INNER = _R <= 0.62**2  # well inside the printed outline, whatever a millimetre of misregistration does
RING = (_R >= 1.15**2) & (_R <= 1.5**2)  # just outside the outline: circles and marks beside it
OUTLINE = (_R >= 0.8**2) & (_R <= 1.12**2)  # the printed outline, whatever a pixel of misregistration does
LINED_UP = 0.1  # the outlines darker than the paper inside them by this much, or the page is not lined up


def _lined_up(darkness: np.ndarray, layout: SheetLayout) -> None:
    """The printed bubble outlines are where the layout puts them: else the corners found were not
    the sheet's (a marker mistaken), and reading on would read blank paper as blank answers."""
    contrast = []
    for spot in layout.spots:
        for bubble in spot.bubbles:
            cx, cy = round(bubble.x * SCALE), round(bubble.y * SCALE)
            crop = darkness[cy - _HH : cy + _HH + 1, cx - _HW : cx + _HW + 1]
            contrast.append(float(crop[OUTLINE].mean() - np.median(crop[INNER])))
    if float(np.median(contrast)) < LINED_UP:
        raise SheetUnreadable(N_("The sheet could not be lined up: scan or photograph it again, flat."))


def _bubble(darkness: np.ndarray, x: float, y: float) -> tuple[str, float]:
    cx, cy = round(x * SCALE), round(y * SCALE)
    crop = darkness[cy - _HH : cy + _HH + 1, cx - _HW : cx + _HW + 1]
    inner = crop[INNER]
    mean = float(inner.mean())
    cover, trace = float((inner > DARK).mean()), float((inner > LIGHT).mean())
    ring = float((crop[RING] > DARK).mean())
    if cover >= FILLED_COVER and mean >= FILLED_MEAN:
        return "f", mean
    if cover <= EMPTY_COVER and trace <= EMPTY_TRACE and mean <= EMPTY_MEAN and ring <= EMPTY_RING:
        return "e", mean
    return "?", mean


def _question(darkness: np.ndarray, spot) -> QuestionReading:  # type: ignore[no-untyped-def]
    states, fills = zip(*(_bubble(darkness, b.x, b.y) for b in spot.bubbles), strict=True)
    marks = "".join(b.mark for b, s in zip(spot.bubbles, states, strict=True) if s == "f")
    one_only = spot.type in {"single", "truefalse"}
    flagged = "?" in states or (one_only and len(marks) > 1)
    allowed = "".join(b.mark for b in spot.bubbles)
    return QuestionReading(
        spot.number, spot.type, marks, flagged, "".join(states), tuple(round(f, 3) for f in fills), allowed
    )


def question_picture(
    gray: np.ndarray, corners: Sequence[Sequence[float]], layout: SheetLayout, number: int
) -> np.ndarray:
    """One question's printed row cut from the page, upright and twice the canonical size, for a
    person to decide what the candidate marked."""
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), np.float32(corners))
    left, top, right, bottom = layout.spots[number - 1].box
    zoom = SCALE * 2
    shift = np.array([[zoom, 0, -left * zoom], [0, zoom, -top * zoom], [0, 0, 1.0]])
    size = (round((right - left) * zoom), round((bottom - top) * zoom))
    return cv2.warpPerspective(
        gray, shift @ np.linalg.inv(to_image), size, flags=cv2.INTER_LINEAR, borderValue=255
    )
