"""The geometry of the statistics pages' two charts, computed here (pure); the templates draw SVG.
No script and no chart library: the pages print, and the CSP stays strict."""

from __future__ import annotations

from dataclasses import dataclass

from .measures import PaperMeasures

WIDTH, HEIGHT = 480, 160


@dataclass(frozen=True)
class HistogramBar:
    x: float
    y: float
    width: float
    height: float
    count: int
    low: float  # the bin's lower edge, in points
    high: float
    passing: bool  # the bin starts at or above the pass mark


def histogram_bars(paper: PaperMeasures) -> list[HistogramBar]:
    tallest = max(paper.histogram, default=0) or 1
    width = WIDTH / max(len(paper.histogram), 1)
    bars = []
    for i, (count, (low, high)) in enumerate(zip(paper.histogram, paper.bin_edges, strict=True)):
        height = (HEIGHT - 20) * count / tallest
        bars.append(
            HistogramBar(
                i * width, HEIGHT - height, width - 2, height, count, low, high, low >= paper.pass_mark
            )
        )
    return bars


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    facility: float


def trend_points(facilities: list[float]) -> list[TrendPoint]:
    """One point a sitting, in time order; facility 0 at the bottom, 1 at the top."""
    if not facilities:
        return []
    step = WIDTH / max(len(facilities) - 1, 1)
    return [TrendPoint(i * step, (HEIGHT - 10) * (1 - p) + 5, p) for i, p in enumerate(facilities)]
