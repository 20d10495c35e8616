"""Benchmark: score submissions from many tablets at once, gunicorn on PostgreSQL.

    .venv/bin/python scripts/bench_tablets.py [--tablets 100] [--workers 4] [--threads 8]

Not part of the test suite. Builds a scratch PostgreSQL database (127.0.0.1:5432, dropped after the
run) with one class of 24 candidates per two tablets, a released paper and a sitting each; starts
gunicorn on 127.0.0.1; then every tablet signs in as its own proctor and, all at once, checks in
its half of the roster and submits each answer sheet (JSON, idempotency key; 5 % sent twice). It
prints p50/p95/p99 of the sheet submissions and, as a baseline measured in the same run with the
same clients, of a bare GET of the sign-in page; then reconciles the database: every sheet stored
exactly once, every score equal to a regrading of the stored answers.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, IdempotencyRecord
from examsvc.questions.cipher import BankCipher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import (  # noqa: E402
    CSRF,
    PASSWORD,
    Job,
    build_world,
    gunicorn,
    percentiles,
    quantiles_ms,
    regrading_problems,
    scratch_app,
    stop,
)


class Tablet:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def sign_in(self, username: str) -> None:
        page = self.get("/login")
        token = CSRF.search(page).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        data = urllib.parse.urlencode(form).encode()
        self.opener.open(urllib.request.Request(self.base + "/login", data=data), timeout=60).read()
        self.token = CSRF.search(self.get("/proctor")).group(1)

    def post(self, path: str, body: dict) -> int:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as exc:
            exc.read()
            return exc.code


def run_tablet(base: str, username: str, jobs: list[Job], start: threading.Barrier, out: dict) -> None:  # type: ignore[type-arg]
    tablet, rng = Tablet(base), random.Random(username)
    tablet.sign_in(username)
    start.wait()
    for job in jobs:
        path = job.path
        checked = tablet.post(
            f"{path}/check-in",
            {
                "presence": "present",
                "seat_no": job.seat,
                "version": 0,
                "idempotency_key": secrets.token_hex(16),
            },
        )
        body = {"answers": job.sheet, "version": 1, "idempotency_key": secrets.token_hex(16)}
        sends = 2 if rng.random() < 0.05 else 1  # a replay: the tablet did not hear the answer
        for _ in range(sends):
            started = time.perf_counter()
            status = tablet.post(f"{path}/result", body)
            out["sheet"].append(time.perf_counter() - started)
            out["errors"] += (status != 200) + (checked != 200)
            checked = 200
        started = time.perf_counter()
        tablet.get("/login")
        out["baseline"].append(time.perf_counter() - started)


def reconcile(app) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    with app.app_context():
        s = db_session()
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        enrolled = s.scalar(select(func.count()).select_from(Enrollment))
        attempts = s.scalars(select(Attempt)).all()
        if len(attempts) != enrolled or len({a.enrollment_id for a in attempts}) != enrolled:
            problems.append(f"{len(attempts)} attempts for {enrolled} candidates")
        records = s.scalar(select(func.count()).select_from(IdempotencyRecord))
        if records != 2 * enrolled:
            problems.append(f"{records} stored submissions, expected {2 * enrolled}")
        problems += regrading_problems(s, cipher, attempts)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tablets", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-bench-"))
    app, env, drop = scratch_app(tmp, login_max_failures_per_ip=100_000)
    server = None
    try:
        started = time.perf_counter()
        work = build_world(app, args.tablets, per_class=24).work
        print(
            f"built {sum(map(len, work.values()))} candidates for {len(work)} tablets in "
            f"{time.perf_counter() - started:.1f} s"
        )
        server, base = gunicorn("examsvc:create_app()", env, args.workers, args.threads)
        out: dict = {"sheet": [], "baseline": [], "errors": 0}
        barrier = threading.Barrier(len(work) + 1)
        threads = [
            threading.Thread(target=run_tablet, args=(base, u, jobs, barrier, out))
            for u, jobs in work.items()
        ]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads, {len(work)} tablets at once, "
            f"{os.cpu_count()} cores"
        )
        print(f"  sheet submissions : {percentiles(out['sheet'])}")
        print(f"  bare sign-in page : {percentiles(out['baseline'])}  (baseline, same clients, same run)")
        ratio = quantiles_ms(out["sheet"])[98] / quantiles_ms(out["baseline"])[98]
        print(
            f"  p99 ratio sheet/baseline: {ratio:.1f}x; {len(out['sheet']) / elapsed:.0f} sheets/s; "
            f"errors: {out['errors']}"
        )
        problems = reconcile(app)
        print(
            "  reconciliation:",
            "every sheet stored once, every score regraded equal" if not problems else problems[:5],
        )
        app.extensions["examsvc.db"].engine.dispose()
        return 1 if problems or out["errors"] else 0
    finally:
        if server is not None:
            stop(server)
        drop()


if __name__ == "__main__":
    sys.exit(main())
