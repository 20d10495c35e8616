"""Issue 9's load test, small: an exam day on gunicorn (PostgreSQL, Redis) with a worker killed in each
round, reconciled afterwards; and the reconciliation itself catching what it is there to catch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .tablet_helpers import enrollments, enter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import loadtest  # noqa: E402  (a script, not a package)


def test_a_small_exam_day_reconciles_with_a_worker_killed_in_each_round():
    env = {
        **os.environ,
        "EXAMSVC_REDIS_URL": os.environ.get("EXAMSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
    }
    command = [sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--classes", "5", "--per-class", "16"]
    command += [
        "--tablets",
        "4",
        "--verifiers",
        "3",
        "--officers",
        "1",
        "--workers",
        "1,2",
        "--think",
        "0.05",
    ]
    command += ["--verify-think", "0.2", "--officer-think", "0.3", "--kill-after", "1", "--saturate", "1"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count("killed worker") == 2
    assert done.stdout.count("reconciliation: every sheet stored once") == 2, done.stdout
    assert "errors 0" in done.stdout
    assert done.stdout.count("beside bare endpoint") == 2


def test_a_world_without_certificates_runs_and_the_saturation_is_printed_beside_a_bare_endpoint():
    """Issue 24: every class sits today (no published results, so nothing to verify) across exactly
    the sittings asked for; then the same workers are measured flat out."""
    env = {
        **os.environ,
        "EXAMSVC_REDIS_URL": os.environ.get("EXAMSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
    }
    command = [sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--classes", "2", "--per-class", "16"]
    command += ["--tablets", "6", "--sittings", "2", "--verifiers", "3", "--officers", "0", "--workers", "1"]
    command += ["--think", "0.05", "--saturate", "1", "--saturate-clients", "4"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "(2 sitting now, 0 certificates)" in done.stdout
    assert "reconciliation: every sheet stored once" in done.stdout
    assert (
        "beside bare endpoint" in done.stdout and "errors 0" in done.stdout.split("saturation: tablet mix")[1]
    )


def test_the_reconciliation_finds_a_lost_sheet_and_a_missing_submission(app, sitting, tablet):
    first, second, *_ = enrollments(app, sitting)
    enter(app, tablet, sitting, first, 1, right=True)
    run = loadtest.Round()
    run.sheets = {second: "A B C"}  # the tablet was told this one was stored: it was not
    run.keys = {"a-key-the-server-never-kept"}
    problems = loadtest.reconcile(app, run, [sitting.id])
    assert any(f"enrollment {second}: 0 attempts today" in p for p in problems), problems
    assert any("stored submissions for 1 acknowledged keys" in p for p in problems), problems
    run.keys = {"one-key-never-kept-0000", "another-key-never-kept"}  # as many keys as stored, not the same
    problems = loadtest.reconcile(app, run, [sitting.id])
    assert any("2 acknowledged but not stored, 2 stored but never acknowledged" in p for p in problems)
