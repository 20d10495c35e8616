"""Paper assembly: a pure, seeded function of the bank's metadata, the blueprint and the history.

The same candidates, blueprint, history and seed always give the same paper, so any paper can be
re-derived for an audit. When the bank is too small, constraints are relaxed in a fixed order and
each relaxation is recorded:

    1. reuse_window        questions used by other classes in the window may be drawn again
    2. overlap_limit       the paper may share more than the limit with a recent paper
    3. difficulty          the mean difficulty may miss the target band
    4. industry_share      fewer industry-specific questions than the blueprint asks
    5. facility            the mean measured facility may miss the blueprint's band

Where sittings have measured items (itemstats/), the papers of a blueprint are parallel forms: each
keeps its mean facility within FACILITY_BAND of the pool's expected facility for the blueprint's
mix of types, so any two papers differ by at most twice that (0.03).

Never relaxed: the count of each type, the minimum per required topic, and a retake's exclusion of
the first paper's questions. Missing those raises Infeasible with the shortfall.

Questions are drawn at random from indexed buckets (type, and type × topic) rather than by
shuffling the whole bank, so the cost grows with the paper, not with the bank.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..questions.codes import QUESTION_TYPES
from .spec import Spec

RELAXATION_ORDER = ("reuse_window", "overlap_limit", "difficulty", "industry_share", "facility")
SWAP_TRIES = 60  # random draws per attempted swap
FACILITY_BAND = 0.015  # each form within this of the target: two forms within 0.03 of each other
MIN_MEASURED = 10  # chosen questions with a measured facility before the band is held


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    type: str
    topic: str
    industry_specific: bool
    difficulty: int
    facility: float | None = None  # measured at published sittings (pooled), None when not yet


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
    def mean_facility(self) -> float | None:
        known = [c.facility for c in self.chosen if c.facility is not None]
        return sum(known) / len(known) if len(known) >= MIN_MEASURED else None

    @property
    def mean_difficulty_tenths(self) -> float:
        return 10 * sum(c.difficulty for c in self.chosen) / len(self.chosen) if self.chosen else 0.0


@dataclass(frozen=True)
class Shortfall:
    what: str  # "type" | "topic"
    key: str
    need: int
    have: int


class Infeasible(ValueError):
    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        super().__init__("; ".join(f"{s.what} {s.key}: need {s.need}, bank has {s.have}" for s in shortfalls))
        self.shortfalls = list(shortfalls)


class CandidatePool:
    """The bank's metadata indexed once (per bank state), to draw many papers from."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        ordered = sorted(candidates, key=lambda c: c.version_id)  # independent of the input order
        self.by_type: dict[str, list[Candidate]] = defaultdict(list)
        self.by_type_topic: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
        self.industry_by_type: dict[str, list[Candidate]] = defaultdict(list)
        for c in ordered:
            self.by_type[c.type].append(c)
            self.by_type_topic[(c.type, c.topic)].append(c)
            if c.industry_specific:
                self.industry_by_type[c.type].append(c)
        self.all = ordered
        measured = defaultdict(list)
        for c in ordered:
            if c.facility is not None:
                measured[c.type].append(c.facility)
        self.mean_facility_by_type = {t: sum(v) / len(v) for t, v in measured.items()}

    def facility_target(self, spec: Spec) -> float | None:
        """The expected facility of a paper of this blueprint: the pool's mean per type, weighted by
        the blueprint's count of each type (types with no measured item left out)."""
        weights = {t: n for t, n in spec.counts.items() if t in self.mean_facility_by_type and n}
        if not weights:
            return None
        return sum(self.mean_facility_by_type[t] * n for t, n in weights.items()) / sum(weights.values())


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
class _Draw:
    """Random draws without replacement from the pool's lists, skipping what is not allowed now."""

    rng: random.Random
    history: History
    fresh_only: bool
    chosen: list[Candidate] = field(default_factory=list)
    ids: set[int] = field(default_factory=set)

    def allowed(self, c: Candidate) -> bool:
        if c.version_id in self.ids or c.question_id in self.history.excluded:
            return False
        return not (self.fresh_only and c.question_id in self.history.recently_used)

    def candidates(self, bucket: list[Candidate]) -> Iterator[Candidate]:
        """A seeded random order of the bucket, produced lazily: a few draws for a big bucket."""
        n = len(bucket)
        seen: set[int] = set()
        while len(seen) < n // 2:
            i = self.rng.randrange(n)
            if i not in seen:
                seen.add(i)
                yield bucket[i]
        rest = [i for i in range(n) if i not in seen]  # the tail: finish with a plain shuffle
        self.rng.shuffle(rest)
        for i in rest:
            yield bucket[i]

    def first(self, bucket: list[Candidate]) -> Candidate | None:
        """The next allowed question; once recent ones are allowed, a fresh one is still preferred."""
        fallback = None
        for c in self.candidates(bucket):
            if not self.allowed(c):
                continue
            if c.question_id not in self.history.recently_used:
                return c
            fallback = fallback or c
        return fallback

    def take(self, c: Candidate) -> None:
        self.chosen.append(c)
        self.ids.add(c.version_id)


def _room(spec: Spec, draw: _Draw) -> dict[str, int]:
    taken = Counter(c.type for c in draw.chosen)
    return {t: spec.counts.get(t, 0) - taken[t] for t in QUESTION_TYPES}


def _build(pool: CandidatePool, spec: Spec, draw: _Draw) -> tuple[list[Shortfall], bool]:
    """Topic minimums first, then the industry share, then each type's count."""
    missing = []
    for topic, minimum in sorted(spec.min_per_topic.items()):
        for got in range(minimum):
            room = _room(spec, draw)
            # the type with the most room left first, so small quotas are not used up early
            types = sorted(
                (t for t in QUESTION_TYPES if room[t] > 0), key=lambda t: -room[t] / max(spec.counts[t], 1)
            )
            pick = next(
                (c for t in types if (c := draw.first(pool.by_type_topic.get((t, topic), []))) is not None),
                None,
            )
            if pick is None:
                missing.append(Shortfall("topic", topic, minimum, got))
                break
            draw.take(pick)
    industry_ok = True
    while sum(c.industry_specific for c in draw.chosen) < spec.industry_minimum:
        room = _room(spec, draw)
        types = sorted((t for t in QUESTION_TYPES if room[t] > 0), key=lambda t: -room[t])
        pick = next(
            (c for t in types if (c := draw.first(pool.industry_by_type.get(t, []))) is not None), None
        )
        if pick is None:
            industry_ok = False
            break
        draw.take(pick)
    for qtype in QUESTION_TYPES:
        for _ in range(_room(spec, draw)[qtype]):
            pick = draw.first(pool.by_type.get(qtype, []))
            if pick is None:
                break
            draw.take(pick)
        if _room(spec, draw)[qtype] > 0:
            missing.append(
                Shortfall("type", qtype, spec.counts[qtype], spec.counts[qtype] - _room(spec, draw)[qtype])
            )
    return missing, industry_ok


def _replace(pool: CandidatePool, spec: Spec, draw: _Draw, out: Candidate, better) -> bool:  # type: ignore[no-untyped-def]
    """Swap `out` for a drawn question of the same type and industry flag that is `better`, keeping
    the topic minimums; a few random draws, then give up on this one."""
    keeps_topic = sum(c.topic == out.topic for c in draw.chosen) > spec.min_per_topic.get(out.topic, 0)
    bucket = pool.by_type[out.type] if keeps_topic else pool.by_type_topic[(out.type, out.topic)]
    for tries, c in enumerate(draw.candidates(bucket)):
        if tries >= SWAP_TRIES:
            return False
        if c.industry_specific == out.industry_specific and draw.allowed(c) and better(c, out):
            draw.chosen[draw.chosen.index(out)] = c
            draw.ids.discard(out.version_id)
            draw.ids.add(c.version_id)
            return True
    return False


def _mean_tenths(draw: _Draw) -> float:
    return 10 * sum(c.difficulty for c in draw.chosen) / len(draw.chosen)


def _fix_difficulty(pool: CandidatePool, spec: Spec, draw: _Draw) -> bool:
    low = spec.target_difficulty_tenths - spec.difficulty_tolerance_tenths
    high = spec.target_difficulty_tenths + spec.difficulty_tolerance_tenths
    for _ in range(len(draw.chosen)):
        mean = _mean_tenths(draw)
        if low <= mean <= high:
            return True
        if mean > high:
            out = max(draw.chosen, key=lambda c: (c.difficulty, c.version_id))
            better = lambda c, o: c.difficulty < o.difficulty  # noqa: E731
        else:
            out = min(draw.chosen, key=lambda c: (c.difficulty, -c.version_id))
            better = lambda c, o: c.difficulty > o.difficulty  # noqa: E731
        if not _replace(pool, spec, draw, out, better):
            # this one has no better twin: try the others in turn
            others = sorted(
                draw.chosen, key=lambda c: (-c.difficulty if mean > high else c.difficulty, c.version_id)
            )
            if not any(_replace(pool, spec, draw, o, better) for o in others[1:8]):
                break
    return low <= _mean_tenths(draw) <= high


def _mean_facility(draw: _Draw) -> tuple[float, int]:
    known = [c.facility for c in draw.chosen if c.facility is not None]
    return (sum(known) / len(known) if known else 0.0), len(known)


def _toward(too_easy: bool):  # type: ignore[no-untyped-def]
    """A swap that moves the mean facility the right way and keeps the difficulty."""

    def better(c: Candidate, o: Candidate) -> bool:
        if c.facility is None or o.facility is None or c.difficulty != o.difficulty:
            return False
        return c.facility < o.facility if too_easy else c.facility > o.facility

    return better


def _fix_facility(pool: CandidatePool, spec: Spec, draw: _Draw) -> bool:
    """Swaps measured questions for others of the same difficulty (the difficulty band holds) until
    the mean facility is within the band of the blueprint's target."""
    target = pool.facility_target(spec)
    if target is None or _mean_facility(draw)[1] < MIN_MEASURED:
        return True
    for _ in range(len(draw.chosen)):
        mean, _count = _mean_facility(draw)
        if abs(mean - target) <= FACILITY_BAND:
            return True
        too_easy = mean > target
        measured = [c for c in draw.chosen if c.facility is not None]
        ranked = sorted(measured, key=lambda c: (-c.facility if too_easy else c.facility, c.version_id))  # type: ignore[operator]

        if not any(_replace(pool, spec, draw, o, _toward(too_easy)) for o in ranked[:8]):
            break
    return abs(_mean_facility(draw)[0] - target) <= FACILITY_BAND


def _fix_overlap(pool: CandidatePool, spec: Spec, draw: _Draw) -> bool:
    limit = draw.history.overlap_limit_percent * len(draw.chosen) / 100
    for paper in draw.history.recent_papers:
        shared = [c for c in draw.chosen if c.question_id in paper]
        for out in shared[: max(0, len(shared) - int(limit))]:
            _replace(
                pool,
                spec,
                draw,
                out,
                lambda c, o, p=paper: c.question_id not in p and c.difficulty == o.difficulty,
            )
    return all(
        sum(c.question_id in paper for c in draw.chosen) <= limit for paper in draw.history.recent_papers
    )


def assemble(
    candidates: Iterable[Candidate] | CandidatePool, spec: Spec, history: History, seed: int
) -> Assembly:
    pool = candidates if isinstance(candidates, CandidatePool) else CandidatePool(candidates)
    relaxed: list[str] = []
    draw = _Draw(random.Random(seed), history, fresh_only=True)  # noqa: S311 - reproducible, not a secret
    missing, industry_ok = _build(pool, spec, draw)
    if missing or not industry_ok:
        # 1. draw on questions other classes used recently (fresh ones were drawn first)
        draw = _Draw(random.Random(seed), history, fresh_only=False)  # noqa: S311
        missing, industry_ok = _build(pool, spec, draw)
        relaxed.append("reuse_window")
    if missing:
        raise Infeasible(missing)
    if not _fix_overlap(pool, spec, draw):
        relaxed.append("overlap_limit")
    if not _fix_difficulty(pool, spec, draw):
        relaxed.append("difficulty")
    if not industry_ok:
        relaxed.append("industry_share")
    if not _fix_facility(pool, spec, draw):
        relaxed.append("facility")
    order = {t: i for i, t in enumerate(("truefalse", "single", "multiple"))}
    chosen = sorted(draw.chosen, key=lambda c: (order[c.type], c.version_id))
    return Assembly(tuple(chosen), tuple(r for r in RELAXATION_ORDER if r in relaxed))
