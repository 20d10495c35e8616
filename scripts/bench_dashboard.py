"""Benchmark: the officers' coverage dashboard with 100,000 trainees in 5,000 classes on PostgreSQL.

    .venv/bin/python scripts/bench_dashboard.py [--classes 5000] [--per-class 20] [--runs 30]

Not part of the test suite. Fills a scratch PostgreSQL schema straight through SQL (benchworld.py:
what the dashboard reads, not how it got there). bench_scale.py times the same page at 10,000 to
1,000,000 trainees. Then, in the same process, it times `--runs` times:
- the baseline: `SELECT count(*) FROM enrollment` (one scan of the biggest table the dashboard reads);
- the dashboard's aggregate query (all three groupings), and the whole page through Flask as a signed-in
  officer (queries + targets + template);
and prints p50/p95 and the ratio to the baseline's p50. Target: the page's p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.oversight import coverage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchworld import YEAR, fill, line, signed_in, timed  # noqa: E402  (sibling scripts)
from loadkit import scratch_app  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=5000)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-bench-"))
    app, _env, drop = scratch_app(tmp, jobs_inline_workers=0)  # no job thread polling
    logging.getLogger("examsvc.requests").setLevel(logging.WARNING)  # a line per timed request otherwise
    try:
        started = time.perf_counter()
        totp_secret = fill(app, args.classes, args.per_class)
        print(f"in {time.perf_counter() - started:.0f} s")
        client = signed_in(app, totp_secret)
        with app.app_context():
            s = db_session()
            count = lambda: s.scalar(select(func.count()).select_from(Enrollment))  # noqa: E731
            timed(3, count)
            base = timed(args.runs, count)
            baseline = statistics.median(base)
            print(f"{args.runs} runs each, PostgreSQL, year {YEAR}:")
            print(line("baseline: count(*) of enrollment", base, baseline))
            whole = timed(args.runs, lambda: coverage.coverage_of_year(s, YEAR))
            print(line("coverage_of_year (the page's query)", whole, baseline))
            s.rollback()

        def whole_page() -> None:
            answer = client.get(f"/officer/coverage/?year={YEAR}")
            assert answer.status_code == 200, answer.status_code

        timed(2, whole_page)
        print(line("the whole page (Flask, signed in)", timed(args.runs, whole_page), baseline))
        app.extensions["examsvc.db"].engine.dispose()
        return 0
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
