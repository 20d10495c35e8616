"""Classical test theory measures of one sitting, and of one item pooled over sittings.

The caller gives the graded responses of one sitting, already in the paper's canonical question order
and option keys: a matrix of candidates × items, and each item's key. What is computed follows the
usual item analysis (as in Moodle's quiz statistics report):

- facility p: the mean score on the item over its points (partial credit counts as its fraction);
- corrected point-biserial r: the Pearson correlation of the item score with the rest of the total
  (the total minus this item), so that an item is not correlated with itself;
- upper-lower D: the facility among the top 27 % of candidates by total score minus the facility
  among the bottom 27 %;
- per option, the share of candidates who marked it, among all and in those two groups;
- for the paper: mean and SD of the totals, Cronbach's alpha (KR-20), the standard error of
  measurement, a histogram of totals and the pass rate.

Every variance here is a population variance (divided by n, not n - 1): the SD reported and the item
and total variances inside alpha. Alpha is a ratio of variances, so the choice does not change it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

JSON_VERSION = 1  # stored in every as_json(); from_json() refuses what it does not know
_DECIMALS = 4
_NO_SPREAD = 1e-9  # sums of float scores carry rounding noise: a relative spread below this is none


@dataclass(frozen=True)
class ItemKey:
    """One item as printed: canonical option keys, the right ones among them, its points."""

    options: tuple[str, ...]  # ("A", "B", "C", "D"); ("true", "false") for a true/false item
    key: frozenset[str]  # {"B"}, {"A", "C"}, {"true"}
    points: float = 1.0

    def __post_init__(self) -> None:
        if self.points <= 0 or not self.key or not self.key <= set(self.options):
            raise ValueError(f"an item needs points > 0 and a key among its options: {self}")


@dataclass(frozen=True)
class Response:
    score: float  # points earned on the item, 0..points
    chosen: frozenset[str]  # option keys marked; empty means omitted


@dataclass(frozen=True)
class OptionCounts:
    """How many candidates marked one option: among all, in the upper group, in the lower group."""

    option: str
    chosen: int
    upper: int
    lower: int


class _OptionRates:
    """Rates from option counts, shared by one sitting's measures and the pooled view."""

    n: int
    group_size: int
    omitted: int
    options: tuple[OptionCounts, ...]

    def counts(self, option: str) -> OptionCounts:
        for counts in self.options:
            if counts.option == option:
                return counts
        raise KeyError(option)

    def rate(self, option: str) -> float:
        """Share of all candidates who marked the option (for multiple choice: among their marks)."""
        return self.counts(option).chosen / self.n

    def upper_rate(self, option: str) -> float:
        return self.counts(option).upper / self.group_size

    def lower_rate(self, option: str) -> float:
        return self.counts(option).lower / self.group_size

    @property
    def omission_rate(self) -> float:
        return self.omitted / self.n


@dataclass(frozen=True)
class ItemMeasures(_OptionRates):
    """One item at one sitting. Counts are kept rather than rates so that sittings pool exactly."""

    n: int
    points: float
    facility: float
    point_biserial: float | None  # corrected; None when the item or the rest of the total is constant
    group_size: int  # of the upper group and of the lower group each
    upper_facility: float
    lower_facility: float
    omitted: int
    options: tuple[OptionCounts, ...]

    @property
    def discrimination_index(self) -> float:
        """Upper-lower D: facility in the upper 27 % minus facility in the lower 27 %."""
        return self.upper_facility - self.lower_facility

    def as_json(self) -> str:
        return _dumps(self, options=[[c.option, c.chosen, c.upper, c.lower] for c in self.options])

    @classmethod
    def from_json(cls, text: str) -> ItemMeasures:
        data = _loads(text)
        return cls(**{**data, "options": tuple(OptionCounts(*row) for row in data["options"])})


@dataclass(frozen=True)
class PaperMeasures:
    """The totals of one sitting."""

    n: int
    items: int
    max_score: float
    mean: float
    sd: float  # population SD of the totals
    alpha: float | None  # Cronbach's alpha (KR-20 for 0/1 items); None below 2 items or with equal totals
    pass_mark: float
    pass_rate: float  # share of candidates whose total is at least the pass mark
    histogram: tuple[int, ...]  # counts in equal bins of [0, max_score], see score_histogram()

    @property
    def sem(self) -> float | None:
        """Standard error of measurement: SD × sqrt(1 - alpha), in points."""
        return None if self.alpha is None else self.sd * math.sqrt(max(0.0, 1.0 - self.alpha))

    @property
    def bin_edges(self) -> tuple[tuple[float, float], ...]:
        bins = len(self.histogram)
        return tuple((self.max_score * i / bins, self.max_score * (i + 1) / bins) for i in range(bins))

    def as_json(self) -> str:
        return _dumps(self)

    @classmethod
    def from_json(cls, text: str) -> PaperMeasures:
        data = _loads(text)
        return cls(**{**data, "histogram": tuple(data["histogram"])})


@dataclass(frozen=True)
class PooledItem(_OptionRates):
    """One item over several sittings; see pool()."""

    sittings: int
    n: int
    facility: float
    point_biserial: float | None
    group_size: int  # the sum of the sittings' group sizes
    omitted: int
    options: tuple[OptionCounts, ...]
    trend: tuple[float, ...]  # each sitting's facility, in the order given (time order)


# --- one sitting ------------------------------------------------------------------------------------


def item_measures(matrix: Sequence[Sequence[Response]], keys: Sequence[ItemKey]) -> tuple[ItemMeasures, ...]:
    """The measures of every item of one sitting, in the order of `keys`."""
    totals = _totals(matrix, keys)
    upper, lower = upper_lower_groups(totals)
    return tuple(
        _one_item([row[column] for row in matrix], key, totals, upper, lower)
        for column, key in enumerate(keys)
    )


def paper_measures(
    matrix: Sequence[Sequence[Response]], keys: Sequence[ItemKey], pass_mark: float, bins: int = 10
) -> PaperMeasures:
    totals = _totals(matrix, keys)
    n = len(totals)
    max_score = math.fsum(key.points for key in keys)
    return PaperMeasures(
        n=n,
        items=len(keys),
        max_score=max_score,
        mean=math.fsum(totals) / n,
        sd=math.sqrt(population_variance(totals)),
        alpha=cronbach_alpha([[response.score for response in row] for row in matrix]),
        pass_mark=pass_mark,
        pass_rate=sum(1 for total in totals if _at_least(total, pass_mark)) / n,
        histogram=score_histogram(totals, max_score, bins),
    )


def group_size(n: int) -> int:
    """round(0.27 n), halves up, at least 1; in integers so that 0.27 × n carries no float error."""
    return max(1, (27 * n + 50) // 100)


def upper_lower_groups(totals: Sequence[float]) -> tuple[list[int], list[int]]:
    """Candidate indices of the upper and the lower group, group_size(n) each.

    Candidates are ranked by total, highest first, equal totals in candidate order (the earlier ranks
    higher); the upper group is the head of that ranking and the lower group its tail, so the groups
    are disjoint for n ≥ 2 and the same candidate for n = 1.
    """
    size = group_size(len(totals))
    ranking = sorted(range(len(totals)), key=lambda i: (-totals[i], i))
    return ranking[:size], ranking[-size:]


def cronbach_alpha(scores: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of a candidates × items score matrix: k/(k-1) · (1 - Σ var(item) / var(total)).

    When every item is scored 0/1, var(item) = p·q and this is KR-20 (Kuder-Richardson 20): the same
    formula. None for fewer than 2 items or when every candidate has the same total.
    """
    items = len(scores[0]) if scores else 0
    totals = [math.fsum(row) for row in scores]
    if items < 2 or _no_spread(totals):
        return None
    item_variance = math.fsum(population_variance([row[c] for row in scores]) for c in range(items))
    return items / (items - 1) * (1.0 - item_variance / population_variance(totals))


def score_histogram(totals: Sequence[float], max_score: float, bins: int) -> tuple[int, ...]:
    """Counts of totals in `bins` equal bins of [0, max_score]: each bin [low, high), the last closed."""
    if bins < 1 or max_score <= 0:
        raise ValueError("a histogram needs at least one bin and a positive maximum score")
    counts = [0] * bins
    for total in totals:
        # The small nudge puts a total that float noise left just under an edge into the bin it opens.
        index = math.floor(total * bins / max_score + _NO_SPREAD)
        counts[min(bins - 1, max(0, index))] += 1
    return tuple(counts)


# --- across sittings --------------------------------------------------------------------------------


def pool(per_sitting: Sequence[ItemMeasures]) -> PooledItem:
    """One item's measures over sittings, given in time order.

    - facility: the n-weighted mean of the sittings' facilities, which is exactly the facility of all
      their responses together (up to the 4 decimals stored per sitting);
    - option, upper, lower and omission rates: from the summed counts, exact;
    - point-biserial: the n-weighted mean of the sittings' coefficients (those that have one). An
      approximation: correlations do not average, and each was taken against its own sitting's
      totals. Good for ranking items and for flags, not the coefficient of one pooled matrix.
    """
    if not per_sitting:
        raise ValueError("nothing to pool")
    option_keys = [tuple(c.option for c in m.options) for m in per_sitting]
    if len(set(option_keys)) != 1:
        raise ValueError("the sittings list different options: pool one version of an item only")
    n = sum(m.n for m in per_sitting)
    correlated = [m for m in per_sitting if m.point_biserial is not None]
    weight = sum(m.n for m in correlated)
    return PooledItem(
        sittings=len(per_sitting),
        n=n,
        facility=math.fsum(m.n * m.facility for m in per_sitting) / n,
        point_biserial=(
            math.fsum(m.n * m.point_biserial for m in correlated) / weight  # type: ignore[operator]
            if correlated
            else None
        ),
        group_size=sum(m.group_size for m in per_sitting),
        omitted=sum(m.omitted for m in per_sitting),
        options=tuple(
            OptionCounts(
                option=option,
                chosen=sum(m.options[i].chosen for m in per_sitting),
                upper=sum(m.options[i].upper for m in per_sitting),
                lower=sum(m.options[i].lower for m in per_sitting),
            )
            for i, option in enumerate(option_keys[0])
        ),
        trend=tuple(m.facility for m in per_sitting),
    )


# --- correlation ------------------------------------------------------------------------------------


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None for fewer than two pairs or when either side has no spread."""
    if len(xs) != len(ys):
        raise ValueError("pearson() needs two sequences of the same length")
    n = len(xs)
    if n < 2 or _no_spread(xs) or _no_spread(ys):
        return None
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    syy = math.fsum((y - mean_y) ** 2 for y in ys)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, in the order of `values`; equal values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation: Pearson's r of the average ranks (so ties are handled)."""
    if len(xs) != len(ys):
        raise ValueError("spearman() needs two sequences of the same length")
    return pearson(average_ranks(xs), average_ranks(ys))


def population_variance(values: Sequence[float]) -> float:
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / len(values)


# --- helpers ----------------------------------------------------------------------------------------


def _totals(matrix: Sequence[Sequence[Response]], keys: Sequence[ItemKey]) -> list[float]:
    if not matrix or not keys:
        raise ValueError("a sitting needs at least one candidate and one item")
    for number, row in enumerate(matrix):
        if len(row) != len(keys):
            raise ValueError(f"candidate {number} has {len(row)} responses for {len(keys)} items")
    return [math.fsum(response.score for response in row) for row in matrix]


def _one_item(
    responses: list[Response], key: ItemKey, totals: list[float], upper: list[int], lower: list[int]
) -> ItemMeasures:
    scores = [response.score for response in responses]
    everyone = _tally(responses, key.options)
    in_upper = _tally([responses[i] for i in upper], key.options)
    in_lower = _tally([responses[i] for i in lower], key.options)
    return ItemMeasures(
        n=len(responses),
        points=key.points,
        facility=math.fsum(scores) / (len(scores) * key.points),
        point_biserial=pearson(scores, [total - score for total, score in zip(totals, scores, strict=True)]),
        group_size=len(upper),
        upper_facility=math.fsum(scores[i] for i in upper) / (len(upper) * key.points),
        lower_facility=math.fsum(scores[i] for i in lower) / (len(lower) * key.points),
        omitted=sum(1 for response in responses if not response.chosen),
        options=tuple(OptionCounts(o, everyone[o], in_upper[o], in_lower[o]) for o in key.options),
    )


def _tally(responses: Sequence[Response], options: tuple[str, ...]) -> dict[str, int]:
    tally = dict.fromkeys(options, 0)
    for response in responses:
        for option in response.chosen:
            if option not in tally:
                raise ValueError(f"option {option!r} is not one of the item's options {options}")
            tally[option] += 1
    return tally


def _no_spread(values: Sequence[float]) -> bool:
    low, high = min(values), max(values)
    return high - low <= _NO_SPREAD * max(1.0, abs(low), abs(high))


def _at_least(value: float, bound: float) -> bool:
    """value ≥ bound, forgiving the float noise of a sum of scores (59.99999999 passes a mark of 60)."""
    return value >= bound - _NO_SPREAD * max(1.0, abs(bound))


def _rounded(value: object) -> object:
    return round(value, _DECIMALS) if isinstance(value, float) else value


def _dumps(measures: object, **replaced: object) -> str:
    """The dataclass's fields (some replaced by a JSON-friendly form), floats rounded, compact."""
    names = [f.name for f in fields(measures)]  # type: ignore[arg-type]
    data = {name: _rounded(getattr(measures, name)) for name in names} | replaced
    return json.dumps({"v": JSON_VERSION, **data}, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str) -> dict:  # type: ignore[type-arg]
    data = json.loads(text)
    if data.pop("v", None) != JSON_VERSION:
        raise ValueError(f"unknown item statistics format (expected v={JSON_VERSION})")
    return data
