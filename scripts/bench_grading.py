"""Benchmark of grading: typed answer sheets of a 100-question paper, parsed and graded on one core.

    .venv/bin/python scripts/bench_grading.py

Not part of the test suite. Prints sheets per second (median of 5 runs over 10,000 sheets) and the
ratio to a baseline in the same process: comparing 100 ready-made answers per sheet, nothing else.
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from examsvc.exams.grading import grade, parse_sheet, seat_key
from examsvc.papers.variants import seat_variant

SHEETS = 10_000


def paper() -> list[dict]:
    rng = random.Random(1)
    out = []
    for qtype in ["truefalse"] * 40 + ["single"] * 40 + ["multiple"] * 20:
        if qtype == "truefalse":
            out.append({"type": qtype, "answer": rng.choice(["true", "false"]), "points_tenths": 10})
        else:
            answer = rng.choice("ABCD") if qtype == "single" else "".join(sorted(rng.sample("ABCD", 2)))
            out.append(
                {"type": qtype, "answer": answer, "points_tenths": 10, "options": dict.fromkeys("ABCD", "")}
            )
    return out


def main() -> int:
    questions = paper()
    variant = seat_variant(
        7,
        "2026-00001",
        "first",
        1,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options", {}))) for q in questions],
    )
    key = seat_key(questions, variant)
    rng = random.Random(2)
    sheets = [
        " ".join(
            rng.choice(["对", "错"])
            if item.type == "truefalse"
            else ("".join(sorted(rng.sample("ABCD", 1 if item.type == "single" else 2))))
            for item in key.items
        )
        for _ in range(SHEETS)
    ]
    ours, base = [], []
    ready = [parse_sheet(s, key)[0] for s in sheets]
    for _ in range(5):
        started = time.perf_counter()
        for sheet in sheets:
            answers, problems = parse_sheet(sheet, key)
            grade(answers, key)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for answers in ready:
            sum(a == item.correct for a, item in zip(answers, key.items))  # noqa: B905
        base.append(time.perf_counter() - started)
    rate = SHEETS / statistics.median(ours)
    print(f"parse and grade: {rate:,.0f} sheets/s (100 questions; median of 5 x {SHEETS:,}; target 5,000/s)")
    print(
        f"baseline (compare ready answers only): {SHEETS / statistics.median(base):,.0f} sheets/s; "
        f"ours takes {statistics.median(ours) / statistics.median(base):.1f}x as long"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
