"""Benchmark: issuing certificates, and public verification under gunicorn against a bare Flask app.

    .venv/bin/python scripts/bench_certificates.py [--workers 2] [--seconds 10] [--connections 32]

Not part of the test suite. Needs PostgreSQL on 127.0.0.1:5432 (a scratch schema, dropped after)
and wrk (Debian: apt install wrk). Prints:
- issuing 1,000 certificates (sign + QR PNG + store, one transaction per sitting as publishing does);
- POST /api/v1/verify requests/s under gunicorn, and a bare Flask JSON endpoint's requests/s under
  the same gunicorn settings in the same run (alternating, median of 3 rounds each), and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import select

from examsvc import create_app
from examsvc.audit.service import SYSTEM
from examsvc.certificates.models import Certificate
from examsvc.certificates.pdf import qr_png, verify_url
from examsvc.certificates.service import issue_for_sitting
from examsvc.classes.models import Enrollment
from examsvc.config import Config
from examsvc.db import db_session, make_engine
from examsvc.exams.models import Attempt, Sitting
from examsvc.migrate import upgrade_database
from examsvc.scratch import scratch_database

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tablets import PG, build, free_port  # noqa: E402  (a sibling script)


def bare() -> Flask:
    """The baseline: Flask answering the same JSON request with a constant, nothing else."""
    app = Flask("bare")

    @app.post("/api/v1/verify")
    def verify():  # type: ignore[no-untyped-def]
        request.get_json(silent=True)
        return jsonify({"status": "valid"})

    return app


def issue_thousand(app) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Every candidate of the built sittings passes; publishing issues their certificates."""
    config = app.config["EXAMSVC"]
    with app.app_context():
        s = db_session()
        for sitting in s.scalars(select(Sitting)):
            roster = s.scalars(select(Enrollment.id).where(Enrollment.class_id == sitting.class_id)).all()
            for seat, enrollment_id in enumerate(roster, start=1):
                s.add(
                    Attempt(
                        enrollment_id=enrollment_id,
                        sitting_id=sitting.id,
                        kind="first",
                        presence="present",
                        seat_no=seat,
                        score_tenths=1000,
                        passed=True,
                    )
                )
            sitting.status = "published"
        s.commit()
        started = time.perf_counter()
        issued = 0
        for sitting in s.scalars(select(Sitting)).all():
            issued += issue_for_sitting(s, SYSTEM, sitting, config)
            for cert in s.scalars(select(Certificate).where(Certificate.class_id == sitting.class_id)):
                qr_png(verify_url(config.base_url, cert.token))  # what the PDF carries
            s.commit()
        return issued, time.perf_counter() - started


def serve(target: str, env: dict, workers: int, chdir: str | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--log-level",
        "warning",
        target,
    ]
    if chdir:
        command[3:3] = ["--chdir", chdir]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(
                urllib.request.Request(base + "/api/v1/verify", data=b"{}", method="POST"), timeout=2
            )
            break
        except urllib.error.HTTPError:
            break  # answering (400 for an empty body is an answer)
        except OSError:
            time.sleep(0.2)
    return server, base


def wrk(base: str, body: dict, seconds: int, connections: int, tmp: Path) -> float:
    script = tmp / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base + "/api/v1/verify"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = [line for line in out.splitlines() if "Non-2xx" in line]
    if non2xx:
        raise SystemExit(f"errors during the run: {non2xx[0].strip()}")
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt install wrk")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-bench-"))
    url, drop = scratch_database(tmp, os.environ.get("EXAMSVC_BENCH_DATABASE_URL", PG))
    env = {
        **os.environ,
        "EXAMSVC_ENV": "development",
        "EXAMSVC_INSTANCE_DIR": str(tmp),
        "EXAMSVC_DATABASE_URL": url,
        "EXAMSVC_SECRET_KEY": secrets.token_urlsafe(32),
        "EXAMSVC_KEY_DIR": str(tmp / "keys"),
        "EXAMSVC_COOKIE_SECURE": "false",
        "EXAMSVC_VERIFY_LIMIT_PER_MINUTE": str(10**9),
        "EXAMSVC_REDIS_URL": os.environ.get("EXAMSVC_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "EXAMSVC_ARGON2_TIME_COST": "1",
        "EXAMSVC_ARGON2_MEMORY_KIB": "1024",
    }
    servers = []
    try:
        engine = make_engine(url)
        upgrade_database(engine)
        engine.dispose()
        os.environ.update(env)
        app = create_app(Config.from_env())
        build(app, 84)  # 42 sittings x 24 candidates
        issued, seconds = issue_thousand(app)
        print(
            f"issued {issued} certificates (sign + QR + store) in {seconds:.2f} s: "
            f"{issued / seconds:.0f}/s, {seconds / issued * 1000:.2f} ms each"
        )
        with app.app_context():
            token = db_session().scalar(select(Certificate.token).order_by(Certificate.id))
        app.extensions["examsvc.db"].engine.dispose()

        ours, ours_base = serve("examsvc:create_app()", env, args.workers)
        servers.append(ours)
        baseline, bare_base = serve(
            "bench_certificates:bare()", env, args.workers, chdir=str(Path(__file__).parent)
        )
        servers.append(baseline)
        body = {"token": token}
        with urllib.request.urlopen(
            urllib.request.Request(
                ours_base + "/api/v1/verify",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
        ) as answer:
            assert json.load(answer)["status"] == "valid"
        rates: dict[str, list[float]] = {"bare": [], "ours": []}
        wrk(bare_base, body, 3, args.connections, tmp)  # warm-up rounds, not counted
        wrk(ours_base, body, 3, args.connections, tmp)
        for _ in range(3):
            rates["bare"].append(wrk(bare_base, body, args.seconds, args.connections, tmp))
            rates["ours"].append(wrk(ours_base, body, args.seconds, args.connections, tmp))
        b, o = statistics.median(rates["bare"]), statistics.median(rates["ours"])
        print(
            f"gunicorn {args.workers} gthread workers x 4 threads, wrk 2 threads {args.connections} "
            f"connections, {args.seconds} s x 3 rounds, {os.cpu_count()} cores"
        )
        print(f"  bare Flask JSON endpoint : {b:8.0f} req/s  {[round(r) for r in rates['bare']]}")
        print(f"  POST /api/v1/verify      : {o:8.0f} req/s  {[round(r) for r in rates['ours']]}")
        print(f"  ratio: {o / b:.0%} of the bare endpoint")
        return 0
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop()


if __name__ == "__main__":
    sys.exit(main())
