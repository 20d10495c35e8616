"""Seat variants: every seat gets every question once, and its letters map back to the paper's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from examsvc.papers.variants import seat_variant

TYPES = ["truefalse"] * 3 + ["single"] * 4 + ["multiple"] * 3
KEYS = [()] * 3 + [("A", "B", "C", "D")] * 4 + [("A", "B", "C", "D", "E")] * 3


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**62), seat=st.integers(1, 80))
def test_a_seat_has_every_question_once_in_sections(seed, seat):
    variant = seat_variant(seed, "2026-00001", "first", seat, TYPES, KEYS)
    assert sorted(q.index for q in variant.questions) == list(range(len(TYPES)))
    assert [TYPES[q.index] for q in variant.questions] == TYPES  # sections stay in order
    assert variant == seat_variant(seed, "2026-00001", "first", seat, TYPES, KEYS)  # derivable again


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**62), seat=st.integers(1, 80))
def test_printed_letters_map_back_to_the_papers_letters(seed, seat):
    variant = seat_variant(seed, "2026-00001", "first", seat, TYPES, KEYS)
    for q in variant.questions:
        for printed, original in zip("ABCDE", q.options, strict=False):
            assert variant.to_canonical(q.number, printed) == original
        if q.options:
            assert variant.to_canonical(q.number, "AB") == "".join(sorted(q.options[:2]))


def test_seats_differ():
    orders = {
        tuple(q.index for q in seat_variant(7, "c", "first", s, TYPES, KEYS).questions) for s in range(1, 11)
    }
    assert len(orders) > 5
    assert seat_variant(7, "c", "retake", 1, TYPES, KEYS).serial == "c-B-001"
