"""Benchmark of papers: assembling one 100-question paper from banks of 10,000 and 100,000 questions,
and printing a 40-seat class against wkhtmltopdf's own time on the same HTML.

    .venv/bin/python scripts/bench_papers.py

Not part of the test suite. Prints medians; the PDF figure is set against a baseline run in the
same process: the same HTML file given straight to wkhtmltopdf with the same options.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from examsvc import Config, create_app
from examsvc.papers.assembly import Candidate, CandidatePool, History, assemble
from examsvc.papers.pdf import OPTIONS, paper_html, render_pdf
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
    ours, theirs = [], []
    with app.test_request_context():
        for _ in range(3):
            started = time.perf_counter()
            html = paper_html(payload, 7, 40, facts)
            render_pdf(html)
            ours.append(time.perf_counter() - started)
            page = workdir / "paper.html"
            page.write_text(html, encoding="utf-8")
            args = ["wkhtmltopdf"] + [
                x for k, v in OPTIONS.items() for x in ([f"--{k}", v] if v else [f"--{k}"])
            ]
            started = time.perf_counter()
            subprocess.run([*args, str(page), str(workdir / "out.pdf")], check=True, capture_output=True)  # noqa: S603
            theirs.append(time.perf_counter() - started)
    ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
    print(
        f"40-seat class PDF: ours {ours_m:.2f} s, wkhtmltopdf alone {theirs_m:.2f} s, "
        f"overhead {100 * (ours_m - theirs_m) / theirs_m:+.1f} % (median of 3)"
    )


def main() -> int:
    bench_assembly()
    with tempfile.TemporaryDirectory() as tmp:
        bench_pdf(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
