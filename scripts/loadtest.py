"""Load test: an exam day at provincial scale on gunicorn, PostgreSQL and Redis, then a reconciliation.

    .venv/bin/python scripts/loadtest.py [--classes 300 --per-class 67 --tablets 200 --verifiers 50
        --officers 5 --workers 1,2,4 --think 2 --kill-after 20 --sittings 0 --saturate 10]

Not part of the test suite (tests/test_loadtest.py runs a small one). Aimed only at 127.0.0.1. Builds a
scratch PostgreSQL schema with `--classes` classes of `--per-class` candidates: as many classes as
the tablets can staff under the assignment rules (2 proctors + 1 per 30 candidates) sit their exam
now (paper released), or exactly `--sittings` of them with the tablets spread evenly (1,000 tablets
over 25 sittings: 40 each); the others have published results and certificates (one in a hundred
revoked; a world where every class sits today has none, and then no verifiers). Then, for each
worker count in `--workers`, it starts gunicorn and replays the exam day with asyncio clients, each
from an address of its own (one trusted proxy hop, as behind nginx):
- every tablet signs in as its proctor, opens its sitting, then checks in and submits the answer
  sheet of each of its candidates (JSON, idempotency keys), waiting `--think` seconds on average
  between requests (0: as fast as the server answers). A request that fails (connection dropped,
  5xx) is sent again with the same key; 5 % of answered ones are replayed on purpose;
- verifiers post random certificate tokens to /api/v1/verify and check the status (valid/revoked);
- officers sign in (password + TOTP) and browse their home page, the classes and a class page.
`--kill-after S` SIGKILLs one gunicorn worker S seconds into each round.

After the reconciliation, `--saturate S` measures the most the same workers answer: `--saturate-clients`
signed-in tablets send as fast as answers come, S seconds on a bare endpoint (a public route with no
database: the whole Flask stack and nothing else), then S seconds on the tablet mix (their sitting
page, a check-in and a sheet save in turn); both rates are printed side by side.

Each round prints throughput and p50/p95/p99 per kind of request (from the first send to the
answer, retries included), errors and retries; then reconciles the database: every acknowledged
sheet stored exactly once with the answers sent, one stored submission per key, every score equal
to a regrading of the stored answers, no enrollment with more than two attempts, the audit chain
intact. Between rounds today's attempts and stored submissions are deleted (the audit trail, being
append-only, keeps the earlier rounds' entries). Exit status 1 on any error or reconciliation problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import delete, func, select

from examsvc.audit.service import verify as verify_audit_chain
from examsvc.classes.models import TrainingClass
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, IdempotencyRecord
from examsvc.questions.cipher import BankCipher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadclient import Client, Round, pause  # noqa: E402
from loadkit import (  # noqa: E402
    Job,
    World,
    build_world,
    gunicorn,
    quantiles_ms,
    regrading_problems,
    scratch_app,
    stop,
)
from loadsat import report_saturation, saturate  # noqa: E402

PACED = ("check-in", "sheet", "replay", "verify", "officer page")  # the sitting pages open before the clock


async def tablet(  # noqa: PLR0913
    client: Client, start: asyncio.Barrier, username: str, jobs: list[Job], think: float, replay_share: float
) -> None:
    rng = random.Random(username)
    await client.sign_in(username)
    # Proctors open their sitting before the candidates arrive: all at once, before the clock starts.
    await client.page(jobs[0].path.split("/candidates/")[0], kind="sitting page")
    await start.wait()
    for job in jobs:
        await pause(rng, think)
        check_in = {
            "presence": "present",
            "seat_no": job.seat,
            "version": 0,
            "idempotency_key": secrets.token_hex(16),
        }
        if not await client.submit("check-in", f"{job.path}/check-in", check_in, rng.random() < replay_share):
            continue
        await pause(rng, think)
        sheet = {"answers": job.sheet, "version": 1, "idempotency_key": secrets.token_hex(16)}
        if await client.submit("sheet", f"{job.path}/result", sheet, rng.random() < replay_share):
            client.run.sheets[job.enrollment_id] = " ".join(job.sheet.split())


async def verifier(
    client: Client, start: asyncio.Barrier, certificates: list[tuple[str, str]], seed: int, think: float
) -> None:
    rng = random.Random(seed)
    await start.wait()
    while not client.run.tablets_done.is_set():
        await pause(rng, think)
        token, expected = rng.choice(certificates)
        status, body, _ = await client.send("POST", "/api/v1/verify", "verify", json={"token": token})
        said = json.loads(body).get("status") if status == 200 else None
        if said != expected:
            client.run.errors.append(f"verify: {status} {said}, expected {expected}")


async def officer(  # noqa: PLR0913
    client: Client, start: asyncio.Barrier, username: str, secret: bytes, class_ids: list[int], think: float
) -> None:
    rng = random.Random(username)
    await client.sign_in(username, secret)  # may wait for the next TOTP step: before the clock starts
    await start.wait()
    while not client.run.tablets_done.is_set():
        for path in ("/officer", "/officer/classes/", f"/officer/classes/{rng.choice(class_ids)}"):
            await pause(rng, think)
            await client.page(path, kind="officer page")


async def replay_exam_day(
    base: str, world: World, class_ids: list[int], args, round_no: int, server
) -> Round:  # type: ignore[no-untyped-def]
    run = Round()
    clients: list[Client] = []

    def client(group: int, n: int) -> Client:
        clients.append(Client(base, f"10.{round_no}.{group}.{n % 250 + 1}", run))
        return clients[-1]

    verifiers = args.verifiers if world.certificates else 0  # every class sits today: nothing to verify
    start = asyncio.Barrier(len(world.work) + verifiers + len(world.officers) + 1)
    tablets = [
        asyncio.create_task(
            tablet(
                client(1, i), start, name, jobs[: args.candidates_per_tablet or None], args.think, args.replay
            )
        )
        for i, (name, jobs) in enumerate(world.work.items())
    ]
    others = [
        verifier(client(2, i), start, world.certificates, i, args.verify_think) for i in range(verifiers)
    ]
    others += [
        officer(client(3, i), start, name, secret, class_ids, args.officer_think)
        for i, (name, secret) in enumerate(world.officers.items())
    ]
    background = [asyncio.create_task(task) for task in others]
    killer = None
    try:
        await start.wait()  # everyone signed in: the clock starts
        run.started = time.perf_counter()
        if args.kill_after:
            killer = asyncio.create_task(kill_a_worker(server, args.kill_after))
        await asyncio.gather(*tablets)
        run.elapsed = time.perf_counter() - run.started
    finally:
        run.tablets_done.set()
        await asyncio.gather(*background, return_exceptions=False)
        if killer is not None:
            killer.cancel()
        for c in clients:
            await c.close()
    return run


async def kill_a_worker(server: subprocess.Popen, after: float) -> None:
    await asyncio.sleep(after)
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    os.kill(int(workers[0]), signal.SIGKILL)
    print(f"  killed worker {workers[0]} at {after:.0f} s (of {len(workers)})")


def report(run: Round) -> None:
    elapsed = run.elapsed
    print(f"  {'request':<14}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in ("check-in", "sheet", "replay", "verify", "officer page", "sitting page"):
        values = run.latencies.get(kind) or []
        if len(values) < 2:
            continue
        q = quantiles_ms(values)
        rate = f"{len(values) / elapsed:8.1f}" if kind in PACED else "  before"
        print(f"  {kind:<14}{len(values):>7}{rate}{q[49]:>9.0f}{q[94]:>9.0f}{q[98]:>9.0f}")
    total = sum(len(v) for kind, v in run.latencies.items() if kind in PACED)
    print(
        f"  all: {total} requests in {elapsed:.1f} s = {total / elapsed:.1f}/s; retries {run.retries}, ",
        end="",
    )
    print(
        f"replays {run.replays}, 5xx answers {run.server_errors}, dropped connections {run.dropped}, "
        f"errors {len(run.errors)}",
        *run.errors[:5],
        sep="\n    " if run.errors else "",
    )


def reconcile(app, run: Round, sittings_today: list[int]) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    with app.app_context():
        s = db_session()
        today = s.scalars(select(Attempt).where(Attempt.sitting_id.in_(sittings_today))).all()
        by_enrollment = defaultdict(list)
        for attempt in today:
            by_enrollment[attempt.enrollment_id].append(attempt)
        for enrollment_id, answers in run.sheets.items():
            stored = by_enrollment.get(enrollment_id, [])
            if len(stored) != 1:
                problems.append(f"enrollment {enrollment_id}: {len(stored)} attempts today")
            elif stored[0].answers != answers:
                problems.append(f"enrollment {enrollment_id}: stored answers differ from the sheet sent")
        stored_keys = set(s.scalars(select(IdempotencyRecord.key)))
        if stored_keys != run.keys:  # the same keys, not only as many
            problems.append(
                f"{len(stored_keys)} stored submissions for {len(run.keys)} acknowledged keys: "
                f"{len(run.keys - stored_keys)} acknowledged but not stored, "
                f"{len(stored_keys - run.keys)} stored but never acknowledged"
            )
        graded = [a for a in today if a.answers is not None]
        problems += regrading_problems(s, BankCipher(s, app.extensions["examsvc.keys"]), graded)
        per_enrollment = (
            select(func.count().label("n")).select_from(Attempt).group_by(Attempt.enrollment_id).subquery()
        )
        most = s.scalar(select(func.max(per_enrollment.c.n)))
        if (most or 0) > 2:
            problems.append(f"an enrollment has {most} attempts")
        chain = verify_audit_chain(s)
        if not chain.ok:
            problems.append(f"audit chain broken after {chain.entries} entries: {chain.problems[:3]}")
    return problems


def reset(app, sittings_today: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Today's sittings as they were before the round (the audit trail is append-only and stays)."""
    with app.app_context():
        s = db_session()
        s.execute(delete(Attempt).where(Attempt.sitting_id.in_(sittings_today)))
        s.execute(delete(IdempotencyRecord))
        s.commit()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=300)
    parser.add_argument("--per-class", type=int, default=67)
    parser.add_argument("--tablets", type=int, default=200)
    parser.add_argument("--verifiers", type=int, default=50)
    parser.add_argument("--officers", type=int, default=5)
    parser.add_argument("--workers", default="4", help="worker counts, one round each: e.g. 1,2,4")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a tablet's requests")
    parser.add_argument("--verify-think", type=float, default=2.0)
    parser.add_argument("--officer-think", type=float, default=3.0)
    parser.add_argument("--replay", type=float, default=0.05)
    parser.add_argument(
        "--candidates-per-tablet", type=int, default=0, help="0: all of its half of the class"
    )
    parser.add_argument("--kill-after", type=float, default=0)
    parser.add_argument("--sittings", type=int, default=0, help="0: as many as the tablets can staff")
    parser.add_argument("--saturate", type=float, default=10, help="seconds per saturation phase (0: none)")
    parser.add_argument("--saturate-clients", type=int, default=32)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-load-"))
    redis_url = os.environ.get("EXAMSVC_REDIS_URL", "redis://127.0.0.1:6379/0")
    # Each verifier stands for many employers: the per-address limit is still counted (in Redis), never
    # reached (a short round with the saturation phase sent 65 look-ups a verifier in 16 s).
    app, env, drop = scratch_app(tmp, redis_url=redis_url, proxy_hops=1, verify_limit_per_minute=10**6)
    problems: list[str] = []
    errors = 0
    try:
        started = time.perf_counter()
        world = build_world(app, args.tablets, args.per_class, args.classes, args.officers, args.sittings)
        with app.app_context():
            class_ids = list(db_session().scalars(select(TrainingClass.id)))
        print(
            f"built {len(class_ids)} classes x {args.per_class} candidates "
            f"({len(world.sittings_today)} sitting now, "
            f"{len(world.certificates)} certificates) in {time.perf_counter() - started:.0f} s"
        )
        app.extensions["examsvc.db"].engine.dispose()
        for round_no, workers in enumerate(int(w) for w in args.workers.split(",")):
            server, base = gunicorn("examsvc:create_app()", env, workers, args.threads)
            try:
                print(
                    f"\n{workers} gunicorn workers x {args.threads} threads; {args.tablets} tablets "
                    f"(think {args.think} s), {args.verifiers} verifiers, {args.officers} officers; "
                    f"{os.cpu_count()} cores shared with PostgreSQL, Redis and these clients"
                )
                run = asyncio.run(replay_exam_day(base, world, class_ids, args, round_no + 1, server))
                report(run)
                found = reconcile(app, run, world.sittings_today)
                print(
                    "  reconciliation:",
                    "every sheet stored once, scores regraded equal, at most two attempts, audit chain intact"
                    if not found
                    else found[:5],
                )
                problems += found
                errors += len(run.errors)
                reset(app, world.sittings_today)
                if args.saturate:
                    measured = asyncio.run(saturate(base, world, args, round_no + 1))
                    errors += report_saturation(
                        workers, *measured, min(args.saturate_clients, len(world.work))
                    )
                    reset(app, world.sittings_today)
            finally:
                stop(server)
        app.extensions["examsvc.db"].engine.dispose()
        return 1 if problems or errors else 0
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
