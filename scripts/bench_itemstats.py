"""Benchmark of item statistics: what publishing a sitting now adds, against what it already did.

    .venv/bin/python scripts/bench_itemstats.py

Not part of the test suite. For sittings of 40 and 400 candidates on a 100-question paper (sheets
drawn from a two-parameter IRT model), times on one core, median of 5 runs:
  - baseline: parsing and grading every sheet against its seat's key (what publication did before);
  - item statistics: putting every sheet back into the paper's order and letters, the measures of
    every item and of the paper, and the flags (itemstats/service.py, measures.py, flags.py).
The last line is read by tools: `itemstats_ms=<40 seats> grading_ms=<40 seats> ratio=<...>`.
"""

from __future__ import annotations

import math
import random
import statistics
import time

from examsvc.exams.grading import LETTERS, Marking, grade, paper_seat_key, paper_seat_variant, parse_sheet
from examsvc.itemstats.flags import Thresholds, item_flags
from examsvc.itemstats.measures import item_measures, paper_measures
from examsvc.itemstats.service import item_keys, responses

RUNS = 5


def payload(rng: random.Random) -> dict:  # type: ignore[type-arg]
    questions = []
    for n, qtype in enumerate(["truefalse"] * 40 + ["single"] * 40 + ["multiple"] * 20):
        q: dict[str, object] = {"type": qtype, "points_tenths": 10, "question_id": n, "version_id": n}
        if qtype == "truefalse":
            q["answer"] = rng.choice(["true", "false"])
        else:
            q["options"] = dict.fromkeys("ABCD", "")
            q["answer"] = rng.choice("ABCD") if qtype == "single" else "".join(sorted(rng.sample("ABCD", 2)))
        questions.append(q)
    return {"class": "2026-00001", "sitting": "first", "seed": 7, "questions": questions}


def sheets(paper: dict, seats: int, rng: random.Random) -> list[str]:  # type: ignore[type-arg]
    """Each seat's typed sheet: right with the 2PL probability, else a wrong mark."""
    params = [(rng.uniform(0.4, 2.2), rng.uniform(-1.2, 1.2)) for _ in paper["questions"]]
    out = []
    for seat in range(1, seats + 1):
        theta = rng.gauss(0, 1)
        variant = paper_seat_variant(paper, 7, seat)
        tokens = []
        for printed in variant.questions:
            q = paper["questions"][printed.index]
            a, b = params[printed.index]
            right = rng.random() < 1 / (1 + math.exp(-a * (theta - b)))
            if q["type"] == "truefalse":
                tokens.append("对" if (q["answer"] == "true") == right else "错")
                continue
            key = set(q["answer"])
            chosen = key if right else {rng.choice(sorted(set("ABCD") - key))}
            tokens.append("".join(sorted(LETTERS[printed.options.index(c)] for c in chosen)))
        out.append(" ".join(tokens))
    return out


def grading(paper: dict, typed: list[str]) -> None:  # type: ignore[type-arg]
    for seat, sheet in enumerate(typed, start=1):
        key = paper_seat_key(paper, 7, seat)
        answers, _ = parse_sheet(sheet, key)
        grade(answers, key)


def itemstats(paper: dict, typed: list[str]) -> None:  # type: ignore[type-arg]
    matrix = [responses(paper, 7, seat, sheet, Marking()) for seat, sheet in enumerate(typed, start=1)]
    keys = item_keys(paper["questions"])
    thresholds = Thresholds()
    for measures, key in zip(item_measures(matrix, keys), keys, strict=True):  # type: ignore[arg-type]
        item_flags(measures, key, thresholds)
    paper_measures(matrix, keys, 80)  # type: ignore[arg-type]


def median_ms(work, paper: dict, typed: list[str]) -> float:  # type: ignore[no-untyped-def, type-arg]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work(paper, typed)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    rng = random.Random(3)
    paper = payload(rng)
    figures = {}
    for seats in (40, 400):
        typed = sheets(paper, seats, rng)
        base, ours = median_ms(grading, paper, typed), median_ms(itemstats, paper, typed)
        figures[seats] = (ours, base)
        line = f"{seats:>4} seats: grading {base:8.1f} ms, item statistics {ours:8.1f} ms"
        print(f"{line}, ratio {ours / base:.2f}")
    ours, base = figures[40]
    print(f"itemstats_ms={ours:.1f} grading_ms={base:.1f} ratio={ours / base:.2f}")


if __name__ == "__main__":
    main()
