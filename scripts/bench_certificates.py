"""Benchmark: issuing certificates, and public verification under gunicorn against a bare Flask app.

    .venv/bin/python scripts/bench_certificates.py [--workers 2] [--seconds 10] [--connections 32]

Not part of the test suite. Needs PostgreSQL on 127.0.0.1:5432 (a scratch schema, dropped after)
and wrk (Debian: apt install wrk). Prints:
- issuing 1,000 certificates as publishing does (sign + store, one transaction per sitting), and
  apart from it what the first download adds per certificate (its QR code);
- POST /api/v1/verify requests/s under gunicorn, and a bare Flask JSON endpoint's requests/s under
  the same gunicorn settings in the same run (alternating, median of 3 rounds each), and the ratio;
  the requests carry every issued certificate's token in turn (not one token over and over).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.certificates.models import Certificate
from examsvc.certificates.pdf import verify_url
from examsvc.certificates.service import issue_for_sitting
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.core.qr import qr_png
from examsvc.exams.models import Sitting

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import build_world, gunicorn, publish_marked, scratch_app, stop  # noqa: E402  (a sibling script)


def bare() -> Flask:
    """The baseline: Flask answering the same JSON request with a constant, nothing else."""
    app = Flask("bare")

    @app.post("/api/v1/verify")
    def verify():  # type: ignore[no-untyped-def]
        request.get_json(silent=True)
        return jsonify({"status": "valid"})

    return app


def issue_thousand(app) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """Every candidate of the built sittings passes; publishing issues their certificates."""
    config = app.config["EXAMSVC"]
    with app.app_context():
        s = db_session()
        for sitting in s.scalars(select(Sitting)):
            roster = s.scalars(select(Enrollment.id).where(Enrollment.class_id == sitting.class_id)).all()
            publish_marked(s, sitting, roster, lambda seat: True)
        s.commit()
        started = time.perf_counter()
        issued = 0
        for sitting in s.scalars(select(Sitting)).all():
            issued += issue_for_sitting(s, SYSTEM, sitting, config)
            s.commit()
        issuing = time.perf_counter() - started
        started = time.perf_counter()
        for token in s.scalars(select(Certificate.token)):
            qr_png(verify_url(config.base_url, token))  # what each certificate's first PDF adds
        return issued, issuing, time.perf_counter() - started


def wrk(base: str, bodies: list[dict], seconds: int, connections: int, tmp: Path) -> float:
    """Requests/s of wrk posting the bodies in turn (each connection's thread cycles through all)."""
    script = tmp / "post.lua"
    table = ",\n".join(json.dumps(json.dumps(body)) for body in bodies)
    script.write_text(
        f"bodies = {{{table}}}\n"
        "i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        '  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\n'
        "end\n"
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
    redis_url = os.environ.get("EXAMSVC_REDIS_URL", "redis://127.0.0.1:6379/0")
    app, env, drop = scratch_app(tmp, verify_limit_per_minute=10**9, redis_url=redis_url)
    servers = []
    try:
        build_world(app, tablets=84, per_class=24)  # 42 sittings x 24 candidates
        issued, seconds, qr_seconds = issue_thousand(app)
        print(
            f"issued {issued} certificates (sign + store) in {seconds:.2f} s: "
            f"{issued / seconds:.0f}/s, {seconds / issued * 1000:.2f} ms each"
        )
        print(f"  their QR codes, made at first download: {qr_seconds / issued * 1000:.2f} ms each")
        with app.app_context():
            tokens = db_session().scalars(select(Certificate.token).order_by(Certificate.id)).all()
        app.extensions["examsvc.db"].engine.dispose()

        ours, ours_base = gunicorn("examsvc:create_app()", env, args.workers, 4)
        servers.append(ours)
        baseline, bare_base = gunicorn(
            "bench_certificates:bare()", env, args.workers, 4, str(Path(__file__).parent)
        )
        servers.append(baseline)
        bodies = [{"token": token} for token in tokens]  # every certificate, in turn
        with urllib.request.urlopen(
            urllib.request.Request(
                ours_base + "/api/v1/verify",
                data=json.dumps(bodies[0]).encode(),
                headers={"Content-Type": "application/json"},
            )
        ) as answer:
            assert json.load(answer)["status"] == "valid"
        rates: dict[str, list[float]] = {"bare": [], "ours": []}
        # Warm-up rounds, not counted. Cold, each worker checks each token's signature once and the
        # database answers a token's first look-up (then the fast path knows it); the first round
        # shows that cost, the counted rounds are the steady state of a known set of certificates.
        cold = wrk(ours_base, bodies, 3, args.connections, tmp)
        wrk(bare_base, bodies, 3, args.connections, tmp)
        for _ in range(3):
            rates["bare"].append(wrk(bare_base, bodies, args.seconds, args.connections, tmp))
            rates["ours"].append(wrk(ours_base, bodies, args.seconds, args.connections, tmp))
        b, o = statistics.median(rates["bare"]), statistics.median(rates["ours"])
        print(
            f"gunicorn {args.workers} gthread workers x 4 threads, wrk 2 threads {args.connections} "
            f"connections, {args.seconds} s x 3 rounds, {os.cpu_count()} cores"
        )
        print(f"  bare Flask JSON endpoint : {b:8.0f} req/s  {[round(r) for r in rates['bare']]}")
        print(f"  POST /api/v1/verify      : {o:8.0f} req/s  {[round(r) for r in rates['ours']]}")
        print(f"  (first 3 s, cold: {cold:.0f} req/s; {len(bodies)} certificates in turn)")
        print(f"  ratio: {o / b:.0%} of the bare endpoint")
        per_thousand = seconds / issued * 1000
        print(f"issue_s_per_1000={per_thousand:.2f} verify_rps={o:.0f} bare_rps={b:.0f} ratio={o / b:.2f}")
        return 0
    finally:
        for server in servers:
            stop(server)
        drop()


if __name__ == "__main__":
    sys.exit(main())
