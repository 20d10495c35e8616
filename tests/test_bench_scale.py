"""scripts/bench_scale.py at a tiny size on PostgreSQL (EXAMSVC_BENCH_DATABASE_URL, else the local
one, as tests/test_loadtest.py): it runs, and its last line keeps its format (figures are parsed)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUM = r"[\d.]+"
SIZES = rf"200:{NUM},400:{NUM}"
LAST_LINE = re.compile(
    rf"dashboard_p95_ms={SIZES} verify_p95_ms={SIZES} search_p95_ms={SIZES} search_short_p95_ms={SIZES}"
    rf" pk_p50_ms={SIZES} growth_400_over_200=dashboard:{NUM},verify:{NUM},search:{NUM},search_short:{NUM}"
)


def test_the_scaling_benchmark_runs_small_and_ends_with_its_summary_line():
    command = [sys.executable, str(ROOT / "scripts" / "bench_scale.py"), "--sizes", "200,400", "--runs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert LAST_LINE.fullmatch(done.stdout.strip().splitlines()[-1]), done.stdout[-500:]
    assert done.stdout.count("      indexes: ") == 2 * 12  # a plan under every timed look-up, per size
