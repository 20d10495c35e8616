"""Benchmark of papers: assembling one 100-question paper from banks of 10,000 and 100,000 questions,
and printing a class against wkhtmltopdf's own time on the same HTML.

    .venv/bin/python scripts/bench_papers.py

Not part of the test suite. Prints medians. Ours is what the class's print job does
(papers/jobs.py render_class_paper: the seats in parts, one wkhtmltopdf run per part, as many at
once as there are cores, joined with pypdf); the baseline, run in the same process, is the whole
class's HTML given straight to wkhtmltopdf in one run with the same options. It prints 10, 40 and
160 seats (cost per seat: linear), and last the 40-seat line that other tools read.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from examsvc import Config, create_app
from examsvc.papers.assembly import Candidate, CandidatePool, History, assemble
from examsvc.papers.jobs import render_class_paper
from examsvc.papers.pdf import OPTIONS, paper_html
from examsvc.papers.spec import Spec
from examsvc.questions.codes import INDUSTRIES, REQUIRED_TOPICS

SPEC = Spec(
    counts={"truefalse": 40, "single": 40, "multiple": 20},
    points_tenths={"truefalse": 10, "single": 10, "multiple": 10},
)


def bank(size: int) -> list[Candidate]:
    rng = random.Random(size)
    topics = REQUIRED_TOPICS + INDUSTRIES
    types = ("truefalse", "truefalse", "single", "single", "multiple")
    return [
        Candidate(
            i,
            i,
            types[rng.randrange(5)],
            topic := topics[rng.randrange(len(topics))],
            topic in INDUSTRIES,
            rng.randint(1, 5),
        )
        for i in range(1, size + 1)
    ]


def bench_assembly() -> None:
    medians = {}
    for size in (10_000, 100_000):
        started = time.perf_counter()
        candidates = CandidatePool(bank(size))  # indexed once per bank state
        print(f"index a bank of {size:>7,}: {(time.perf_counter() - started) * 1000:7.1f} ms")
        recent = tuple(frozenset(random.Random(k).sample(range(1, size + 1), 100)) for k in range(20))
        history = History(recently_used=frozenset().union(*recent), recent_papers=recent)
        times = []
        for seed in range(15):
            started = time.perf_counter()
            paper = assemble(candidates, SPEC, history, seed)
            times.append(time.perf_counter() - started)
            assert len(paper.chosen) == 100
        medians[size] = statistics.median(times)
        print(f"assemble 100 questions from {size:>7,}: median {medians[size] * 1000:7.1f} ms (15 runs)")
    print(f"growth 10,000 -> 100,000: {medians[100_000] / medians[10_000]:.1f}x")


WKHTMLTOPDF = ["wkhtmltopdf"] + [x for k, v in OPTIONS.items() for x in ([f"--{k}", v] if v else [f"--{k}"])]


def bench_pdf(workdir: Path) -> None:
    app = create_app(
        Config(
            env="testing",
            instance_dir=workdir,
            database_url=f"sqlite:///{workdir}/b.db",
            secret_key="b" * 40,
            key_dir=workdir / "keys",
        )
    )
    rng = random.Random(3)
    questions = []
    for i, qtype in enumerate(["truefalse"] * 40 + ["single"] * 40 + ["multiple"] * 20):
        options = (
            {} if qtype == "truefalse" else {k: f"选项{k}：关于安全生产责任制的一种说法{i}" for k in "ABCD"}
        )
        questions.append(
            {
                "type": qtype,
                "stem": f"{i + 1}号题：生产经营单位的主要负责人对本单位的安全生产工作全面负责。"
                * rng.randint(1, 2),
                "options": options,
                "answer": "A",
                "points_tenths": 10,
            }
        )
    payload = {"class": "2026-00001", "sitting": "first", "questions": questions}
    facts = dict(
        bureau="某市应急管理局",
        title="基准测试",
        sitting_label="首考",
        class_code="2026-00001",
        class_title="基准",
        institution="某培训学校",
        starts="2026-12-01 09:00",
        duration=90,
        full_mark=100,
        pass_mark=80,
    )
    with app.test_request_context():
        lines = {}
        for seats in (10, 40, 160):
            ours, theirs = [], []
            for _ in range(3):
                started = time.perf_counter()
                render_class_paper(payload, 7, seats, facts, 0, lambda done, total: None)
                ours.append(time.perf_counter() - started)
                page = workdir / "paper.html"
                page.write_text(paper_html(payload, 7, seats, facts), encoding="utf-8")
                started = time.perf_counter()
                subprocess.run(
                    [*WKHTMLTOPDF, str(page), str(workdir / "out.pdf")], check=True, capture_output=True
                )  # noqa: S603
                theirs.append(time.perf_counter() - started)
            ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
            print(
                f"{seats:>3} seats: ours {ours_m:5.2f} s ({ours_m / seats * 1000:4.0f} ms a seat),"
                f" wkhtmltopdf alone {theirs_m:5.2f} s, ratio {ours_m / theirs_m:.2f}"
            )
            lines[seats] = (ours_m, theirs_m)
    ours_m, theirs_m = lines[40]
    print(
        f"40-seat class PDF: ours {ours_m:.2f} s, wkhtmltopdf alone {theirs_m:.2f} s, "
        f"overhead {100 * (ours_m - theirs_m) / theirs_m:+.1f} %, ratio {ours_m / theirs_m:.2f} "
        f"on {os.cpu_count()} cores (median of 3)"
    )


def main() -> int:
    bench_assembly()
    with tempfile.TemporaryDirectory() as tmp:
        bench_pdf(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
