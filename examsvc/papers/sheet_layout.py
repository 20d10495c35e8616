"""The machine-read answer sheet (答题卡): where everything on it sits. Pure.

One description drives both sides: papers/pdf.py prints the sheet from it, and the reader
(exams/omr.py) finds the same bubbles in a scan or photo. Coordinates are CSS pixels of the printed
page (930 x 1280, as every page of a paper; one pixel prints 0.2043 mm, core/qr.py). The reader
maps them onto an image through the four corner markers, so the scale of a scan never matters.

Every seat of a paper prints the same grid: seats shuffle questions within a section only, so the
kind of question at each printed number, and the letters it can carry, are the same for all seats.
The grid says nothing of the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .variants import LETTERS, SECTION_ORDER

PAGE_WIDTH, PAGE_HEIGHT = 930, 1280
MARKER_SIDE = 40  # 8 mm solid squares: found at any scale, unlike anything else on the page
MARKER_INSET = 14
QR_BOX = (770.0, 66.0, 140.0)  # left, top, side (the code with its quiet zone fills the box)
QR_BORDER_MODULES = 2
GRID_TOP, GRID_BOTTOM = 292.0, 1212.0
GRID_LEFT, GRID_RIGHT = 44.0, 886.0
ROWS_PER_BLOCK = 5  # a gap after every five rows: a pen (or a proctor's eye) keeps its place
BLOCK_GAP = 12.0
BUBBLE_WIDTH, BUBBLE_HEIGHT = 24.0, 15.0  # 4.9 x 3.1 mm: fills with a pencil's or a pen's few strokes
LABEL_WIDTH = 40.0
MAX_QUESTIONS = 250
TRUE_FALSE_MARKS = "对错"
QR_PREFIX = "EXAMSVC-S"


@dataclass(frozen=True)
class Bubble:
    mark: str  # the printed letter, or 对/错
    x: float  # centre
    y: float


@dataclass(frozen=True)
class Spot:
    """One printed question's row on the sheet."""

    number: int
    type: str
    label_x: float  # right edge of the printed number
    y: float
    bubbles: tuple[Bubble, ...]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """left, top, right, bottom around the number and every bubble: what a person is shown."""
        right = self.bubbles[-1].x + BUBBLE_WIDTH / 2 + 6
        return self.label_x - LABEL_WIDTH + 4, self.y - BUBBLE_HEIGHT, right, self.y + BUBBLE_HEIGHT


@dataclass(frozen=True)
class SheetLayout:
    spots: tuple[Spot, ...]
    pitch: float  # distance between the centres of neighbouring bubbles in a row

    @property
    def markers(self) -> tuple[tuple[float, float], ...]:
        """Centres of the corner markers: top left, top right, bottom right, bottom left."""
        near = MARKER_INSET + MARKER_SIDE / 2
        far_x, far_y = PAGE_WIDTH - near, PAGE_HEIGHT - near
        return (near, near), (far_x, near), (far_x, far_y), (near, far_y)


def mark_rows(questions: Sequence[Mapping[str, object]]) -> list[tuple[str, str]]:
    """Per printed question, its type and the marks any seat's copy may carry there: the letters of
    the section's widest question (a narrower question leaves its last bubbles unused)."""
    rows: list[tuple[str, str]] = []
    for section in SECTION_ORDER:
        members = [q for q in questions if q["type"] == section]
        widest = max((len(q.get("options") or {}) for q in members), default=0)  # type: ignore[arg-type]
        rows += [(section, TRUE_FALSE_MARKS if section == "truefalse" else LETTERS[:widest])] * len(members)
    return rows


def sheet_layout(rows: Sequence[tuple[str, str]]) -> SheetLayout:
    """Questions run down the columns in blocks of five; more questions, more columns and blocks."""
    count = len(rows)
    if not 0 < count <= MAX_QUESTIONS:
        raise ValueError(f"an answer sheet holds 1 to {MAX_QUESTIONS} questions, not {count}")
    columns = 4 if count <= 120 else 5
    blocks = -(-count // (columns * ROWS_PER_BLOCK))
    rows_per_column = blocks * ROWS_PER_BLOCK
    widest = max(len(marks) for _, marks in rows)
    column_width = (GRID_RIGHT - GRID_LEFT) / columns
    pitch = min(31.0, (column_width - LABEL_WIDTH - 8) / widest)
    row_height = min(30.0, (GRID_BOTTOM - GRID_TOP - (blocks - 1) * BLOCK_GAP) / rows_per_column)
    spots = []
    for index, (kind, marks) in enumerate(rows):
        column, row = divmod(index, rows_per_column)
        left = GRID_LEFT + column * column_width
        y = GRID_TOP + row * row_height + (row // ROWS_PER_BLOCK) * BLOCK_GAP + row_height / 2
        first = left + LABEL_WIDTH + pitch / 2
        bubbles = tuple(Bubble(mark, first + i * pitch, y) for i, mark in enumerate(marks))
        spots.append(Spot(index + 1, kind, left + LABEL_WIDTH - 6, y, bubbles))
    return SheetLayout(tuple(spots), pitch)


# ---- the sheet's QR: which paper, seat and print of it; nothing about the person
@dataclass(frozen=True)
class SheetId:
    class_code: str
    kind: str  # first | retake
    seat: int
    paper_tag: str  # the first characters of the paper's content hash: a sheet of another paper is told apart

    @property
    def serial(self) -> str:
        return f"{self.class_code}-{'A' if self.kind == 'first' else 'B'}-{self.seat:03d}"


def sheet_qr_text(serial: str, paper_tag: str) -> str:
    return f"{QR_PREFIX}:{serial}:{paper_tag}"


_QR_TEXT = re.compile(
    rf"^{QR_PREFIX}:(?P<code>[^:\s]{{1,40}})-(?P<kind>[AB])-(?P<seat>\d{{3,4}}):(?P<tag>[0-9a-f]{{8}})$"
)


def parse_sheet_qr(text: str) -> SheetId | None:
    """The sheet a QR names, or None for any other text (a ticket, a certificate, a URL)."""
    found = _QR_TEXT.match(text.strip()) if len(text) <= 80 else None
    if found is None:
        return None
    kind = "first" if found["kind"] == "A" else "retake"
    return SheetId(found["code"], kind, int(found["seat"]), found["tag"])
