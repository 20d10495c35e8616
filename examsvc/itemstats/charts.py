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


TREND_LEFT, TREND_RIGHT = 48, 12  # room for the axis labels (100 %, 0 %) and the last dot


def trend_points(facilities: list[float]) -> list[TrendPoint]:
    """One point a sitting, in time order, across the plot; facility 0 at the bottom, 1 at the top.
    A single sitting stands in the middle."""
    if not facilities:
        return []
    span = WIDTH - TREND_LEFT - TREND_RIGHT
    if len(facilities) == 1:
        return [TrendPoint(TREND_LEFT + span / 2, _y(facilities[0]), facilities[0])]
    step = span / (len(facilities) - 1)
    return [TrendPoint(TREND_LEFT + i * step, _y(p), p) for i, p in enumerate(facilities)]


def _y(facility: float) -> float:
    return (HEIGHT - 10) * (1 - facility) + 5
