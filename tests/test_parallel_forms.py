"""Parallel forms: where sittings measured the bank's questions, the papers of one blueprint keep
their mean facility within ±0.03 of each other (papers/assembly.py, FACILITY_BAND)."""

from __future__ import annotations

import dataclasses
import random
from itertools import combinations

import pytest

from examsvc.papers.assembly import FACILITY_BAND, Candidate, History, assemble
from examsvc.papers.spec import DEFAULT_SPEC

from .test_assembly import SPEC, bank, check_blueprint


def measured(candidates: list[Candidate], seed: int, share: float = 1.0) -> list[Candidate]:
    """The bank with facilities spread widely (0.15..0.98) on `share` of its questions."""
    rng = random.Random(seed)
    return [
        dataclasses.replace(c, facility=round(rng.uniform(0.15, 0.98), 3)) if rng.random() < share else c
        for c in candidates
    ]


def spread(papers) -> float:  # type: ignore[no-untyped-def]
    means = [p.mean_facility for p in papers]
    return max(abs(a - b) for a, b in combinations(means, 2))


FULL = dataclasses.replace(DEFAULT_SPEC, min_per_topic=SPEC.min_per_topic)  # 90 questions, the test's topics


@pytest.mark.parametrize(("spec", "size"), [(SPEC, 400), (FULL, 900)])
@pytest.mark.parametrize("bank_seed", [1, 2, 3])
def test_forms_of_one_blueprint_have_the_same_mean_facility(spec, size, bank_seed):
    pool = measured(bank(size, bank_seed), bank_seed)
    papers = [assemble(pool, spec, History(), seed) for seed in range(20)]
    for paper in papers:
        check_blueprint(paper, spec)  # the blueprint's other rules still hold
        assert "facility" not in paper.relaxed
    assert spread(papers) <= 2 * FACILITY_BAND + 1e-9


def test_without_measures_forms_drift_apart():
    """The guard matters: the same bank unmeasured gives papers whose facility (known afterwards)
    spreads beyond the band."""
    pool = measured(bank(400, 1), 1)
    blind = [dataclasses.replace(c, facility=None) for c in pool]
    facility = {c.version_id: c.facility for c in pool}
    papers = [assemble(blind, SPEC, History(), seed) for seed in range(20)]
    means = [sum(facility[c.version_id] for c in p.chosen) / len(p.chosen) for p in papers]
    assert max(means) - min(means) > 2 * FACILITY_BAND


def test_a_bank_partly_measured_holds_the_band_on_what_is_known():
    pool = measured(bank(400, 5), 5, share=0.7)
    papers = [assemble(pool, SPEC, History(), seed) for seed in range(20)]
    assert all(p.mean_facility is not None for p in papers)
    assert spread(papers) <= 2 * FACILITY_BAND + 1e-9


def test_an_unmeasured_bank_is_assembled_as_before():
    pool = bank(400, 7)
    assert assemble(pool, SPEC, History(), 3) == assemble(pool, SPEC, History(), 3)
    assert assemble(pool, SPEC, History(), 3).mean_facility is None
