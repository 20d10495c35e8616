"""Per-seat variants of a paper: question order within each section and option order, derived from
the paper's seed and the seat number, so grading can always map a seat's letters back. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass

LETTERS = "ABCDE"
SECTION_ORDER = ("truefalse", "single", "multiple")


@dataclass(frozen=True)
class SeatQuestion:
    index: int  # position in the canonical paper
    number: int  # number printed on this seat's copy, from 1
    options: tuple[str, ...]  # canonical option keys in the order printed as A, B, C...


@dataclass(frozen=True)
class SeatVariant:
    seat: int
    serial: str
    questions: tuple[SeatQuestion, ...]

    def to_canonical(self, number: int, letters: str) -> str:
        """A printed answer (e.g. 'AC' for question 12 on this seat) in the paper's own letters."""
        question = self.questions[number - 1]
        if not question.options:
            return letters
        return "".join(sorted(question.options[LETTERS.index(ch)] for ch in letters))


def seat_serial(class_code: str, sitting: str, seat: int) -> str:
    return f"{class_code}-{'A' if sitting == 'first' else 'B'}-{seat:03d}"


def seat_variant(
    seed: int, class_code: str, sitting: str, seat: int, types: list[str], option_keys: list[tuple[str, ...]]
) -> SeatVariant:
    rng = random.Random(f"{seed}:{seat}")  # noqa: S311 - a reproducible shuffle, not a secret
    order: list[int] = []
    for section in SECTION_ORDER:
        indices = [i for i, t in enumerate(types) if t == section]
        rng.shuffle(indices)
        order += indices
    questions = []
    for number, index in enumerate(order, start=1):
        keys = list(option_keys[index])
        rng.shuffle(keys)
        questions.append(SeatQuestion(index, number, tuple(keys)))
    return SeatVariant(seat, seat_serial(class_code, sitting, seat), tuple(questions))
