"""The statistics pages' chart geometry (pure): bars in proportion, the pass mark's side, a trend
that stays inside the plot."""

from __future__ import annotations

from examsvc.itemstats.charts import HEIGHT, TREND_LEFT, TREND_RIGHT, WIDTH, histogram_bars, trend_points
from examsvc.itemstats.measures import PaperMeasures


def paper(histogram: tuple[int, ...]) -> PaperMeasures:
    return PaperMeasures(sum(histogram), 100, 100.0, 70.0, 10.0, 0.8, 80.0, 0.5, histogram)


def test_bars_are_in_proportion_and_coloured_by_the_pass_mark():
    bars = histogram_bars(paper((0, 0, 0, 0, 0, 1, 2, 4, 2, 1)))
    assert [b.count for b in bars] == [0, 0, 0, 0, 0, 1, 2, 4, 2, 1]
    assert bars[7].height == 2 * bars[6].height == 4 * bars[5].height > 0 and bars[0].height == 0
    assert [b.passing for b in bars] == [False] * 8 + [True] * 2  # bins from 80 points on
    assert all(b.y + b.height == HEIGHT for b in bars)


def test_a_trend_stays_inside_the_plot_and_a_single_sitting_stands_in_the_middle():
    (only,) = trend_points([0.5])
    assert only.x == TREND_LEFT + (WIDTH - TREND_LEFT - TREND_RIGHT) / 2
    points = trend_points([1.0, 0.0, 0.25])
    assert points[0].x == TREND_LEFT and points[-1].x == WIDTH - TREND_RIGHT
    assert points[0].y < points[2].y < points[1].y  # 100 % at the top
    assert trend_points([]) == []
