"""`scripts/run.sh --production`: gunicorn workers on PostgreSQL and Redis, healthy, and still serving
when a worker dies."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from examsvc.core.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.fixture
def production(tmp_path):  # type: ignore[no-untyped-def]
    url, drop = scratch_database(tmp_path, PG)
    port = _port()
    env = {
        **os.environ,
        "EXAMSVC_SKIP_INSTALL": "1",
        "EXAMSVC_INSTANCE_DIR": str(tmp_path / "instance"),
        "EXAMSVC_DATABASE_URL": url,
        "EXAMSVC_REDIS_URL": os.environ.get("EXAMSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "PORT": str(port),
        "WORKERS": "2",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    server = run_script(env, "--production")
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_healthy(base):
            pytest.fail(server.stdout.read1().decode() if server.poll() is not None else "no answer")
        yield base, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.communicate(timeout=30)
        drop()


def run_script(env: dict, *args: str) -> subprocess.Popen:
    """`scripts/run.sh` in a session of its own (stopped with os.killpg), its output piped."""
    command = ["bash", str(ROOT / "scripts" / "run.sh"), *args]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def wait_healthy(base: str, tries: int = 600) -> bool:
    for _ in range(tries):
        try:
            if _health(base)[0] == 200:
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_production_mode_is_healthy_and_survives_a_killed_worker(production):
    base, server = production
    with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
        # Guards: web.banners (no "gunicorn"), web.security's HSTS in production, and run.sh's
        # base URL on its PORT (accepted on loopback only because run.sh says so and prints why).
        assert response.headers["Server"] == "examsvc"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    status, body = _health(base)
    assert status == 200 and body == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "migrations": "current",
    }
    workers = _workers(server.pid)
    assert len(workers) == 2  # gunicorn's master is the script's process (exec), with two workers
    os.kill(workers[0], signal.SIGKILL)
    answers = [_health(base)[0] for _ in range(20)]
    assert answers == [200] * 20  # the other worker serves while the master replaces the dead one
    deadline = time.time() + 20
    while len(_workers(server.pid)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert len(_workers(server.pid)) == 2
    os.killpg(server.pid, signal.SIGTERM)
    output = server.communicate(timeout=30)[0].decode()
    assert f"EXAMSVC_BASE_URL={base} for this machine only" in output  # QR codes name this PORT
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {"method": "GET", "route": "/healthz", "status": 200}.items() <= logged[-1].items()
