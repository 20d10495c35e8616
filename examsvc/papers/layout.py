"""Printed layout: which questions go on which page. Pure.

Debian's wkhtmltopdf cannot repeat a header on every page, so pages are made by hand: each page is
a fixed-height block with its own header (seat serial) and watermark, filled by an estimate of
each question's height that errs on the side of room to spare (tests compare the PDF's page count).
"""

from __future__ import annotations

from dataclasses import dataclass

LINES_PER_PAGE = 50
CHARS_PER_LINE = 54  # full-width characters per line at the printed size; Latin letters count half


def _units(text: str) -> float:
    return sum(0.55 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def lines_of(text: str, width: int = CHARS_PER_LINE) -> int:
    return max(1, -(-int(_units(text) + 0.999) // width))


def question_lines(stem: str, options: list[str]) -> int:
    return lines_of(stem) + sum(lines_of(o, CHARS_PER_LINE - 3) for o in options) + 1  # +1: space after


@dataclass(frozen=True)
class Page:
    items: tuple[int, ...]  # indices into the seat's printed questions


def paginate(heights: list[int], per_page: int = LINES_PER_PAGE) -> list[Page]:
    pages, current, used = [], [], 0
    for index, height in enumerate(heights):
        if current and used + height > per_page:
            pages.append(Page(tuple(current)))
            current, used = [], 0
        current.append(index)
        used += height
    if current:
        pages.append(Page(tuple(current)))
    return pages
