"""Coverage-guided fuzzing (atheris / libFuzzer) of the hand-written parsers, bounded (issue 10).

Each target in tests/fuzz/atheris_targets.py runs in its own process, from a seed corpus built in
code, for EXAMSVC_FUZZ_SECONDS / number of targets seconds (EXAMSVC_FUZZ_SECONDS: 72 by default,
for all targets together). A crash fails the test with the input and the traceback, and says how to
replay it. EXAMSVC_FUZZ_SEED fixes libFuzzer's random seed (default: a new one each run, printed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "atheris",
    reason="atheris cannot be imported (pip install atheris): no coverage-guided fuzzing",
    exc_type=ImportError,  # also an installed atheris that fails to load
)

HARNESS = Path(__file__).parent / "fuzz" / "atheris_targets.py"
TARGETS = ("sheet", "roster_file", "roster_cells", "ids", "jws", "bundle")
BUDGET = float(os.environ.get("EXAMSVC_FUZZ_SECONDS", "72"))
MIN_RUNS = 50  # fewer means the target hardly ran: a harness problem, not a pass


def _harness(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HARNESS), *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_target_finds_no_crash(target: str, tmp_path: Path) -> None:
    seconds = max(1, round(BUDGET / len(TARGETS)))
    flags = [
        f"-max_total_time={seconds}",
        f"-artifact_prefix={tmp_path}/",
        "-timeout=20",  # seconds for one input
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
    ]
    if os.environ.get("EXAMSVC_FUZZ_SEED"):
        flags.append(f"-seed={int(os.environ['EXAMSVC_FUZZ_SEED'])}")
    corpus = tmp_path / "corpus"
    proc = _harness(target, str(corpus), *flags, timeout=seconds + 120)
    log = proc.stderr + proc.stdout
    found = sorted(
        p for p in tmp_path.iterdir() if p.name.split("-")[0] in {"crash", "timeout", "oom", "leak"}
    )
    if proc.returncode != 0 or found:
        shown = "\n".join(f"{p.name}: {p.read_bytes()[:2000]!r}" for p in found) or "(no input written)"
        replay = f"{sys.executable} {HARNESS} {target} {found[0]}" if found else ""
        start = log.find("Uncaught Python exception")
        traceback = log[start : log.find("ERROR: libFuzzer", start)] if start >= 0 else log[-4000:]
        pytest.fail(
            f"fuzz target {target!r} crashed (exit {proc.returncode})\ninput:\n{shown}\n"
            f"replay: {replay}\n--- traceback ---\n{traceback[:8000]}",
            pytrace=False,
        )
    runs = [line for line in log.splitlines() if line.startswith("Done ")]
    assert runs and int(runs[-1].split()[1]) >= MIN_RUNS, log[-3000:]
