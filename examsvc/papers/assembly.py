"""Paper assembly: a pure, seeded function of the bank's metadata, the blueprint and the history.

The same candidates, blueprint, history and seed always give the same paper, so any paper can be
re-derived for an audit. When the bank is too small, constraints are relaxed in a fixed order and
each relaxation is recorded:

    1. reuse_window        questions used by other classes in the window may be drawn again
    2. overlap_limit       the paper may share more than the limit with a recent paper
    3. difficulty          the mean difficulty may miss the target band
    4. industry_share      fewer industry-specific questions than the blueprint asks

Never relaxed: the count of each type, the minimum per required topic, and a retake's exclusion of
the first paper's questions. Missing those raises Infeasible with the shortfall.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..questions.codes import QUESTION_TYPES
from .spec import Spec

RELAXATION_ORDER = ("reuse_window", "overlap_limit", "difficulty", "industry_share")
MAX_SWAPS = 500


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    type: str
    topic: str
    industry_specific: bool
    difficulty: int


@dataclass(frozen=True)
class History:
    excluded: frozenset[int] = frozenset()  # question ids a retake must not contain (hard)
    recently_used: frozenset[int] = frozenset()  # question ids drawn by other classes in the window
    recent_papers: tuple[frozenset[int], ...] = ()  # question ids of each recent paper of this kind
    overlap_limit_percent: int = 30


@dataclass(frozen=True)
class Assembly:
    chosen: tuple[Candidate, ...]  # in paper order: true/false, single, multiple
    relaxed: tuple[str, ...]

    @property
    def mean_difficulty_tenths(self) -> float:
        return 10 * sum(c.difficulty for c in self.chosen) / len(self.chosen) if self.chosen else 0.0


@dataclass(frozen=True)
class Shortfall:
    what: str  # "type" | "topic" | "industry"
    key: str
    need: int
    have: int


class Infeasible(ValueError):
    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        super().__init__("; ".join(f"{s.what} {s.key}: need {s.need}, bank has {s.have}" for s in shortfalls))
        self.shortfalls = list(shortfalls)


def shortfalls(
    candidates: Iterable[Candidate], spec: Spec, excluded: frozenset[int] = frozenset()
) -> list[Shortfall]:
    """What the bank lacks for this blueprint, counted on each dimension on its own."""
    pool = [c for c in candidates if c.question_id not in excluded]
    by_type, by_topic = Counter(c.type for c in pool), Counter(c.topic for c in pool)
    out = [Shortfall("type", t, n, by_type[t]) for t, n in spec.counts.items() if by_type[t] < n]
    out += [
        Shortfall("topic", t, n, by_topic[t])
        for t, n in sorted(spec.min_per_topic.items())
        if by_topic[t] < n
    ]
    return out


@dataclass
class _Draft:
    spec: Spec
    need: dict[str, int]
    chosen: list[Candidate] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)

    def take(self, c: Candidate) -> None:
        self.chosen.append(c)
        self.ids.add(c.version_id)
        self.need[c.type] -= 1


def _build(pool: list[Candidate], spec: Spec) -> tuple[_Draft, list[Shortfall], bool]:
    """Greedy in pool order: topic minimums, then the industry share, then each type's count."""
    draft = _Draft(spec, dict(spec.counts))
    missing: list[Shortfall] = []
    for topic, minimum in sorted(spec.min_per_topic.items()):
        got = 0
        while got < minimum:
            options = [
                c
                for c in pool
                if c.topic == topic and c.version_id not in draft.ids and draft.need[c.type] > 0
            ]
            if not options:
                missing.append(Shortfall("topic", topic, minimum, got))
                break
            # take from the type with the most room left, so small quotas are not used up early
            draft.take(max(options, key=lambda c: draft.need[c.type] / max(spec.counts[c.type], 1)))
            got += 1
    industry_ok = True
    have = sum(c.industry_specific for c in draft.chosen)
    for c in pool:
        if have >= spec.industry_minimum:
            break
        if c.industry_specific and c.version_id not in draft.ids and draft.need[c.type] > 0:
            draft.take(c)
            have += 1
    if have < spec.industry_minimum:
        industry_ok = False
    for qtype in QUESTION_TYPES:
        for c in pool:
            if draft.need[qtype] == 0:
                break
            if c.type == qtype and c.version_id not in draft.ids:
                draft.take(c)
        if draft.need[qtype] > 0:
            missing.append(
                Shortfall("type", qtype, spec.counts[qtype], spec.counts[qtype] - draft.need[qtype])
            )
    return draft, missing, industry_ok


def _can_replace(draft: _Draft, out: Candidate, c: Candidate) -> bool:
    """c may take out's place without breaking a type count, the industry share or a topic minimum."""
    if (c.type, c.industry_specific) != (out.type, out.industry_specific):
        return False
    if c.topic == out.topic:
        return True
    minimum = draft.spec.min_per_topic.get(out.topic, 0)
    return sum(x.topic == out.topic for x in draft.chosen) > minimum


def _twin_swaps(draft: _Draft, pool: list[Candidate], wants_out, better) -> int:  # type: ignore[no-untyped-def]
    """Swap chosen questions for unchosen ones that keep every other constraint, while it helps;
    returns the number of swaps made."""
    swaps = 0
    tried: set[int] = set()
    while swaps < MAX_SWAPS:
        out = next((c for c in draft.chosen if c.version_id not in tried and wants_out(c)), None)
        if out is None:
            return swaps
        twin = next(
            (
                c
                for c in pool
                if c.version_id not in draft.ids and _can_replace(draft, out, c) and better(c, out)
            ),
            None,
        )
        if twin is None:
            tried.add(out.version_id)  # no replacement for this one: try the next candidate to swap out
            continue
        draft.chosen[draft.chosen.index(out)] = twin
        draft.ids.discard(out.version_id)
        draft.ids.add(twin.version_id)
        swaps += 1
    return swaps


def _over_limit(draft: _Draft, history: History) -> list[frozenset[int]]:
    limit = history.overlap_limit_percent * len(draft.chosen) / 100
    qids = {c.question_id for c in draft.chosen}
    return [p for p in history.recent_papers if len(qids & p) > limit]


def _mean_tenths(draft: _Draft) -> float:
    return 10 * sum(c.difficulty for c in draft.chosen) / len(draft.chosen)


def _fix_overlap(draft: _Draft, pool: list[Candidate], history: History) -> bool:
    for paper in _over_limit(draft, history):
        limit = history.overlap_limit_percent * len(draft.chosen) / 100

        def shared(c: Candidate, paper: frozenset[int] = paper, limit: float = limit) -> bool:
            return c.question_id in paper and len({x.question_id for x in draft.chosen} & paper) > limit

        _twin_swaps(draft, pool, shared, lambda c, _out, paper=paper: c.question_id not in paper)
    return not _over_limit(draft, history)


def _fix_difficulty(draft: _Draft, pool: list[Candidate], spec: Spec) -> bool:
    low = spec.target_difficulty_tenths - spec.difficulty_tolerance_tenths
    high = spec.target_difficulty_tenths + spec.difficulty_tolerance_tenths
    if _mean_tenths(draft) > high:
        _twin_swaps(
            draft,
            pool,
            lambda c: _mean_tenths(draft) > high and c.difficulty > 1,
            lambda c, out: c.difficulty < out.difficulty,
        )
    elif _mean_tenths(draft) < low:
        _twin_swaps(
            draft,
            pool,
            lambda c: _mean_tenths(draft) < low and c.difficulty < 5,
            lambda c, out: c.difficulty > out.difficulty,
        )
    return low <= _mean_tenths(draft) <= high


def assemble(candidates: Iterable[Candidate], spec: Spec, history: History, seed: int) -> Assembly:
    eligible = sorted(
        (c for c in candidates if c.question_id not in history.excluded), key=lambda c: c.version_id
    )
    random.Random(seed).shuffle(eligible)  # noqa: S311 - reproducible selection, not a secret
    fresh = [c for c in eligible if c.question_id not in history.recently_used]
    relaxed: list[str] = []
    draft, missing, industry_ok = _build(fresh, spec)
    pool = fresh
    if missing or not industry_ok:
        # 1. draw on questions other classes used recently, fresh ones still first
        pool = fresh + [c for c in eligible if c.question_id in history.recently_used]
        draft, missing, industry_ok = _build(pool, spec)
        relaxed.append("reuse_window")
    if missing:
        raise Infeasible(missing)
    if not _fix_overlap(draft, pool, history):
        relaxed.append("overlap_limit")
    if not _fix_difficulty(draft, pool, spec):
        relaxed.append("difficulty")
    if not industry_ok:
        relaxed.append("industry_share")
    order = {t: i for i, t in enumerate(("truefalse", "single", "multiple"))}
    chosen = sorted(draft.chosen, key=lambda c: order[c.type])  # stable: pool order within a type
    return Assembly(tuple(chosen), tuple(r for r in RELAXATION_ORDER if r in relaxed))
