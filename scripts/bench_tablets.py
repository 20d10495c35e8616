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
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from examsvc import create_app
from examsvc.audit.service import SYSTEM
from examsvc.auth.service import create_user
from examsvc.classes import enrol
from examsvc.classes import service as classes
from examsvc.classes.models import Enrollment
from examsvc.classes.roster import COLUMNS, check_cells
from examsvc.classes.rules import ClassRules
from examsvc.cli import main as cli
from examsvc.config import Config
from examsvc.db import db_session, make_engine, utcnow
from examsvc.demo_classes import demo_people
from examsvc.exams import service as sittings
from examsvc.exams.grading import grade, key_sheet, paper_seat_key, parse_sheet
from examsvc.exams.models import Attempt, IdempotencyRecord, Sitting
from examsvc.migrate import upgrade_database
from examsvc.orgs.service import create_organisation
from examsvc.papers.models import Paper
from examsvc.papers.service import generate_paper, open_paper_for_grading
from examsvc.questions.cipher import BankCipher
from examsvc.scratch import scratch_database

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PER_TABLET = 12
PASSWORD = "Bench-tablet-2026"


def build(app, tablets: int) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Classes, papers, sittings and proctors; returns each tablet's work: (path, sheet) per candidate."""
    assert app.test_cli_runner().invoke(cli, ["bank", "import", str(ROOT / "question_bank")]).exit_code == 0
    config, keys = app.config["EXAMSVC"], app.extensions["examsvc.keys"]
    work: dict[str, list] = {}
    with app.app_context():
        s = db_session()
        org = lambda kind, code, name: create_organisation(  # noqa: E731
            s, SYSTEM, kind=kind, code=code, name=name, county_code="450123"
        )
        county = org("county", "450123", "测试县应急管理局")
        school = org("institution", "91450100MA5TEAM01C", "测试培训学校")
        hasher = app.extensions["examsvc.hasher"]
        proctors = [
            create_user(
                s,
                SYSTEM,
                hasher,
                username=f"tablet{i:03d}",
                display_name=f"监考{i:03d}",
                role="proctor",
                org_id=county.id,
                password=PASSWORD,
            )
            for i in range(tablets)
        ]
        rules, cipher = ClassRules.from_config(config), BankCipher(s, keys)
        starts = utcnow() - timedelta(minutes=10)
        header = [key for key, *_ in COLUMNS]
        for n in range(tablets // 2):
            data = classes.ClassInput(
                f"压测班{n:03d}",
                "coal_mine",
                "manager",
                date(2026, 12, 1),
                date(2026, 12, 5),
                "南宁",
                "450103",
                8,
                16,
                0,
            )
            training_class = classes.create_class(s, SYSTEM, school.id, data)
            rows = [[*row[:6], 24] for row in demo_people(1000 + n * 2 * PER_TABLET, 2 * PER_TABLET)]
            enrol.add_to_roster(s, SYSTEM, keys, training_class, check_cells([header, *rows]), rules)
            classes.submit(s, SYSTEM, training_class, rules)
            classes.approve(s, SYSTEM, training_class, rules)
            paper = generate_paper(s, SYSTEM, cipher, training_class, "first", starts, config)
            sitting = sittings.schedule(
                s,
                SYSTEM,
                training_class,
                sittings.SittingInput("first", "考场", "450123", starts, 90),
                config,
            )
            pair = proctors[2 * n : 2 * n + 2]
            sittings.assign(s, SYSTEM, sitting, [p.id for p in pair], config)
            payload = open_paper_for_grading(cipher, paper, utcnow())
            roster = s.scalars(select(Enrollment.id).where(Enrollment.class_id == training_class.id)).all()
            for seat, enrollment_id in enumerate(roster, start=1):
                key = paper_seat_key(payload, paper.seed, seat)
                right = key_sheet(key)
                sheet = right if seat % 5 else " ".join(["-"] * len(key.items))  # one in five fails
                path = f"/proctor/sittings/{sitting.id}/candidates/{enrollment_id}"
                work.setdefault(pair[seat % 2].username, []).append((path, seat, sheet))
        s.commit()
    return work


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
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        data = urllib.parse.urlencode(form).encode()
        self.opener.open(urllib.request.Request(self.base + "/login", data=data), timeout=60).read()
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get("/proctor")).group(1)

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


def run_tablet(base: str, username: str, jobs: list, start: threading.Barrier, out: dict) -> None:  # type: ignore[type-arg]
    tablet, rng = Tablet(base), random.Random(username)
    tablet.sign_in(username)
    start.wait()
    for path, seat, sheet in jobs:
        checked = tablet.post(
            f"{path}/check-in",
            {"presence": "present", "seat_no": seat, "version": 0, "idempotency_key": secrets.token_hex(16)},
        )
        body = {"answers": sheet, "version": 1, "idempotency_key": secrets.token_hex(16)}
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


def percentiles(values: list[float]) -> str:
    q = [v * 1000 for v in statistics.quantiles(values, n=100)]
    return f"p50 {q[49]:7.1f} ms  p95 {q[94]:7.1f} ms  p99 {q[98]:7.1f} ms  (n={len(values)})"


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
        keys = {}
        for attempt in attempts:
            sitting = s.get(Sitting, attempt.sitting_id)
            if sitting.id not in keys:
                paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id))
                keys[sitting.id] = (paper, open_paper_for_grading(cipher, paper, utcnow()))
            paper, payload = keys[sitting.id]
            key = paper_seat_key(payload, paper.seed, attempt.seat_no)
            if grade(parse_sheet(attempt.answers, key)[0], key).score_tenths != attempt.score_tenths:
                problems.append(f"attempt {attempt.id}: stored score differs from a regrading")
    return problems


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scratch_app(tmp: Path, **settings: object):  # type: ignore[no-untyped-def]
    """A migrated scratch schema on PostgreSQL, the EXAMSVC_* settings for it (plus `settings`, e.g.
    redis_url=...), and an app on it: (app, env, drop). The env also goes to gunicorn workers."""
    url, drop = scratch_database(tmp, os.environ.get("EXAMSVC_BENCH_DATABASE_URL", PG))
    env = {
        "EXAMSVC_ENV": "development",
        "EXAMSVC_INSTANCE_DIR": str(tmp),
        "EXAMSVC_DATABASE_URL": url,
        "EXAMSVC_SECRET_KEY": secrets.token_urlsafe(32),
        "EXAMSVC_KEY_DIR": str(tmp / "keys"),
        "EXAMSVC_COOKIE_SECURE": "false",
        "EXAMSVC_ARGON2_TIME_COST": "1",
        "EXAMSVC_ARGON2_MEMORY_KIB": "1024",
        **{f"EXAMSVC_{name.upper()}": str(value) for name, value in settings.items()},
    }
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    os.environ.update(env)
    return create_app(Config.from_env()), env, drop


def gunicorn(target: str, env: dict, workers: int, threads: int, chdir: str | None = None):  # type: ignore[no-untyped-def]
    """gunicorn serving `target` on a free port of 127.0.0.1, once it answers: (process, base URL).
    Its output (one JSON line per request) goes to a file in the instance folder, as on a server."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning"]
    command += ["--chdir", chdir] if chdir else []
    log = open(Path(env["EXAMSVC_INSTANCE_DIR"]) / f"gunicorn-{port}.log", "ab")  # noqa: SIM115 - the server's
    server = subprocess.Popen(
        [*command, target], env={**os.environ, **env}, start_new_session=True, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except urllib.error.HTTPError:
            break  # an answer, even a 404, means it is up
        except OSError:
            time.sleep(0.2)
    return server, base


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


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
        work = build(app, args.tablets)
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
        ratio = (
            statistics.quantiles(out["sheet"], n=100)[98] / statistics.quantiles(out["baseline"], n=100)[98]
        )
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
