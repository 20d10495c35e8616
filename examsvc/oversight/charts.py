"""Server-drawn charts: the geometry is computed here (pure), the template writes the SVG. No script,
no chart library from the internet, and it prints."""

from __future__ import annotations

from dataclasses import dataclass

from .coverage import Counts

SERIES = ("trained", "passed", "certified")  # drawn as three bars per group, target as a mark


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Row:
    label: str
    y: float
    bars: tuple[Bar, ...]
    target_x: float | None  # where the target mark stands, if the group has one


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    rows: tuple[Row, ...]
    scale_max: int


def progress_chart(groups: list[tuple[str, Counts]], width: int = 640, bar: int = 8) -> Chart:
    """Horizontal bars per group (trained, passed, certified) against its target, one shared scale."""
    label_width, gap = 150, 10
    plot = width - label_width - 40
    scale_max = max([1] + [max(c.trained, c.passed, c.certified, c.target or 0) for _, c in groups])
    rows, y = [], 0.0
    for label, counts in groups:
        bars = tuple(
            Bar(
                series,
                label_width,
                y + i * bar,
                plot * getattr(counts, series) / scale_max,
                bar - 1,
                getattr(counts, series),
            )
            for i, series in enumerate(SERIES)
        )
        target_x = label_width + plot * counts.target / scale_max if counts.target else None
        rows.append(Row(label, y, bars, target_x))
        y += len(SERIES) * bar + gap
    return Chart(width, int(y) + 20, label_width, tuple(rows), scale_max)
