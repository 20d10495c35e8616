"""Paper assembly, property by property (hypothesis): many banks, blueprints, seeds and histories."""

from __future__ import annotations

import random
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsvc.papers.assembly import Candidate, History, Infeasible, assemble, shortfalls
from examsvc.papers.spec import Spec

TOPICS = ("work_safety_law", "occupational_disease_law", "criminal_law", "coal_mine")
SPEC = Spec(
    counts={"truefalse": 10, "single": 10, "multiple": 5},
    points_tenths={"truefalse": 20, "single": 40, "multiple": 40},
    min_per_topic={"work_safety_law": 3, "occupational_disease_law": 2, "criminal_law": 2},
    industry_share_percent=20,
    target_difficulty_tenths=28,
    difficulty_tolerance_tenths=3,
)


def bank(size: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    types = ("truefalse", "truefalse", "single", "single", "multiple")
    out = []
    for i in range(size):
        topic = TOPICS[i % len(TOPICS)]
        out.append(
            Candidate(i + 1, i + 1, types[rng.randrange(5)], topic, topic == "coal_mine", rng.randint(1, 5))
        )
    return out


def check_blueprint(paper, spec: Spec) -> None:  # type: ignore[no-untyped-def]
    types = [c.type for c in paper.chosen]
    assert {t: types.count(t) for t in spec.counts} == dict(spec.counts)
    assert len({c.question_id for c in paper.chosen}) == len(paper.chosen)
    for topic, minimum in spec.min_per_topic.items():
        assert sum(c.topic == topic for c in paper.chosen) >= minimum
    if "industry_share" not in paper.relaxed:
        assert sum(c.industry_specific for c in paper.chosen) >= spec.industry_minimum
    if "difficulty" not in paper.relaxed:
        assert (
            abs(paper.mean_difficulty_tenths - spec.target_difficulty_tenths)
            <= spec.difficulty_tolerance_tenths
        )


seeds = st.integers(min_value=0, max_value=2**32)


@settings(max_examples=60, deadline=None)
@given(bank_seed=seeds, seed=seeds, size=st.integers(min_value=120, max_value=600))
def test_same_inputs_same_paper(bank_seed, seed, size):
    candidates = bank(size, bank_seed)
    first = assemble(candidates, SPEC, History(), seed)
    again = assemble(list(reversed(candidates)), SPEC, History(), seed)  # input order does not matter
    assert first == again
    check_blueprint(first, SPEC)


@settings(max_examples=60, deadline=None)
@given(bank_seed=seeds, seed=seeds, retake_seed=seeds)
def test_a_retake_shares_nothing_with_the_first_paper(bank_seed, seed, retake_seed):
    candidates = bank(300, bank_seed)
    first = assemble(candidates, SPEC, History(), seed)
    retake = assemble(
        candidates, SPEC, History(excluded=frozenset(c.question_id for c in first.chosen)), retake_seed
    )
    assert not {c.question_id for c in first.chosen} & {c.question_id for c in retake.chosen}
    check_blueprint(retake, SPEC)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank_seed=seeds, first_seed=seeds)
def test_many_classes_stay_within_the_overlap_limit_and_difficulty_band(bank_seed, first_seed):
    candidates = bank(400, bank_seed)
    papers, used = [], set()
    for n in range(8):
        history = History(
            recently_used=frozenset(used), recent_papers=tuple(papers), overlap_limit_percent=30
        )
        paper = assemble(candidates, SPEC, history, first_seed + n)
        check_blueprint(paper, SPEC)
        assert "overlap_limit" not in paper.relaxed and "difficulty" not in paper.relaxed
        qids = frozenset(c.question_id for c in paper.chosen)
        papers.append(qids)
        used |= qids
    for a, b in combinations(papers, 2):
        assert len(a & b) <= 0.30 * SPEC.total


def test_a_small_bank_relaxes_the_reuse_window_and_says_so():
    candidates = bank(60, 1)
    used = frozenset(c.question_id for c in candidates[:40])
    paper = assemble(candidates, SPEC, History(recently_used=used), 7)
    assert paper.relaxed[0] == "reuse_window"
    check_blueprint(paper, SPEC)


def test_a_tiny_bank_relaxes_overlap_and_keeps_the_order_of_relaxations():
    candidates = bank(40, 2)
    first = assemble(candidates, SPEC, History(), 1)
    recent = (frozenset(c.question_id for c in first.chosen),)
    second = assemble(candidates, SPEC, History(recent_papers=recent, recently_used=recent[0]), 2)
    assert "overlap_limit" in second.relaxed
    assert list(second.relaxed) == sorted(
        second.relaxed, key=("reuse_window", "overlap_limit", "difficulty", "industry_share").index
    )


def test_no_industry_questions_relaxes_the_industry_share():
    candidates = [c for c in bank(300, 3) if not c.industry_specific]
    paper = assemble(candidates, SPEC, History(), 5)
    assert "industry_share" in paper.relaxed


def test_too_few_questions_of_a_type_is_infeasible_with_the_shortfall():
    candidates = [c for c in bank(300, 4) if c.type != "multiple"][:200] + [
        c for c in bank(300, 4) if c.type == "multiple"
    ][:2]
    with pytest.raises(Infeasible, match="type multiple: need 5, bank has 2"):
        assemble(candidates, SPEC, History(), 1)
    assert [(s.what, s.key, s.need, s.have) for s in shortfalls(candidates, SPEC)] == [
        ("type", "multiple", 5, 2)
    ]


def test_a_retake_that_cannot_avoid_the_first_paper_is_infeasible():
    types = ["truefalse"] * 12 + ["single"] * 12 + ["multiple"] * 6
    candidates = [Candidate(i + 1, i + 1, t, TOPICS[i % 3], False, 3) for i, t in enumerate(types)]
    first = assemble(candidates, SPEC, History(), 1)
    with pytest.raises(Infeasible):
        assemble(candidates, SPEC, History(excluded=frozenset(c.question_id for c in first.chosen)), 2)
