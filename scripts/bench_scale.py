"""Benchmark: how the officers' dashboard, their trainee search and certificate verification grow
with the number of trainees (issue 24), on PostgreSQL.

    .venv/bin/python scripts/bench_scale.py [--sizes 10000,100000,1000000] [--runs 30]
        [--revision 0021]   # the schema as of that revision: the figures before later indexes

Not part of the test suite. For each size, a scratch schema filled through SQL (benchworld.py,
20 trainees a class), then `--runs` timings of each look-up, in process and without Redis so that
the database path is what is measured:
- baselines: a trainee read by primary key, and `count(*)` of enrollment (grows with the table);
- the coverage dashboard, as a signed-in officer through Flask;
- the officers' trainee list: unfiltered (ordered by name), by surname, by a three-character and a
  two-character full name (the only search the page offers: the name contains the words), and a
  trainee's record page;
- a person found by the keyed hash of their ID number (as enrolment finds them; no page offers it);
- `POST /api/v1/verify` with a token and with a certificate number and name, and the page `/v/<token>`.
Each line shows p50/p95, the ratio of the p50 to the primary-key read's, and the indexes the
statements' plans use (EXPLAIN, not run), with any whole scan of a big table. The last line sums up:
p95 per size of the dashboard, a token's verification, the full-name searches, and their growth.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from alembic import command
from sqlalchemy import event, func, select

from examsvc.certificates.claims import TYP
from examsvc.certificates.models import Certificate
from examsvc.certificates.service import Signer, claims_of
from examsvc.classes.models import Enrollment
from examsvc.core.crypto.jws import sign
from examsvc.core.db import db_session
from examsvc.core.migrate import alembic_config
from examsvc.trainees.models import Trainee
from examsvc.trainees.service import by_hashes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchworld import YEAR, fill, line, p95, plan_summary, signed_in, timed  # noqa: E402  (siblings)
from loadkit import scratch_app  # noqa: E402

PER_CLASS = 20
SAMPLE = 50  # certificates given a real token, and trainees looked up, in turn
SUMMED = {
    "dashboard": "dashboard page",
    "verify": "verify: token (API)",
    "search": "search: full name",
    "search_short": "search: two-character name",
}


class Statements:
    """The SQL an app sends while a piece of work runs: for EXPLAIN."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.on, self.seen = False, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.on and not executemany:
            self.seen.append((statement, parameters))

    def of(self, work) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
        self.on, self.seen = True, []
        try:
            work()
        finally:
            self.on = False
        return self.seen


def sample(app, size: int) -> tuple[list[tuple[str, str, str]], list[tuple[int, str, str]]]:  # type: ignore[no-untyped-def]
    """(token, number, name) of certificates spread over the table, signed for real (the bulk fill
    leaves tokens empty), one in ten revoked; and (id, name, ID hash) of trainees spread likewise."""
    with app.app_context():
        s = db_session()
        signer = Signer.current(app.config["EXAMSVC"])
        top = s.scalar(select(Certificate.id).order_by(Certificate.id.desc()).limit(1))
        wanted = [1 + i * (top - 1) // SAMPLE for i in range(SAMPLE)]
        wanted = [w - w % 100 if i % 10 == 9 and w >= 100 else w for i, w in enumerate(wanted)]  # revoked
        certs = []
        for cert in s.scalars(select(Certificate).where(Certificate.id.in_(wanted))):
            cert.kid = signer.kid
            cert.token = sign(
                claims_of(cert, cert.enrollment, signer.status_uri), signer.key, signer.kid, TYP
            )
            certs.append((cert.token, cert.number, cert.enrollment.trainee.name))
        s.commit()
        people = s.execute(
            select(Trainee.id, Trainee.name, Trainee.id_hash).where(
                Trainee.id.in_([1 + i * (size - 1) // SAMPLE for i in range(SAMPLE)])
            )
        ).all()
    return certs, [tuple(p) for p in people]


def measure(size: int, runs: int, revision: str) -> dict[str, list[float]]:
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-scale-"))
    app, _env, drop = scratch_app(tmp, redis_url="", verify_limit_per_minute=10**9, jobs_inline_workers=0)
    engine = app.extensions["examsvc.db"].engine
    logging.getLogger("examsvc.requests").setLevel(logging.WARNING)  # a line per timed request otherwise
    try:
        if revision:
            command.downgrade(alembic_config(engine), revision)
        started = time.perf_counter()
        totp_secret = fill(app, size // PER_CLASS, PER_CLASS)
        certs, people = sample(app, size)
        print(f"built in {time.perf_counter() - started:.0f} s; schema at {revision or 'head'}")
        client, public = signed_in(app, totp_secret), app.test_client()
        turn = {"n": 0}
        # Trigrams (0021) serve a word of three characters or more; a two-character name still scans.
        three, two = ([p for p in people if len(p[1]) == n] for n in (3, 2))

        def nth(items):  # type: ignore[no-untyped-def]
            turn["n"] += 1
            return items[turn["n"] % len(items)]

        def get(path: str):  # type: ignore[no-untyped-def]
            return lambda: _ok(client.get(path() if callable(path) else path))

        def verify(body):  # type: ignore[no-untyped-def]
            def work() -> None:
                answer = public.post("/api/v1/verify", json=body())
                _ok(answer)
                assert answer.json["status"] in ("valid", "revoked"), answer.json  # found: the database path

            return work

        def in_app(query):  # type: ignore[no-untyped-def]
            def work() -> None:
                with app.app_context():
                    query(db_session())

            return work

        work = {
            "baseline: trainee by primary key": in_app(
                lambda s: s.scalar(select(Trainee.name).where(Trainee.id == nth(people)[0]))
            ),
            "baseline: count(*) of enrollment": in_app(
                lambda s: s.scalar(select(func.count()).select_from(Enrollment))
            ),
            "dashboard page": get(f"/officer/coverage/?year={YEAR}"),
            "search: list, no words": get("/officer/trainees/"),
            "search: surname": get(lambda: f"/officer/trainees/?name={quote(nth(people)[1][0])}"),
            "search: full name": get(lambda: f"/officer/trainees/?name={quote(nth(three)[1])}"),
            "search: two-character name": get(lambda: f"/officer/trainees/?name={quote(nth(two)[1])}"),
            "search: a trainee's record": get(lambda: f"/officer/trainees/{nth(people)[0]}"),
            "lookup: ID number (keyed hash)": in_app(lambda s: by_hashes(s, [nth(people)[2]])),
            "verify: token (API)": verify(lambda: {"token": nth(certs)[0]}),
            "verify: page /v/<token>": lambda: _ok(public.get(f"/v/{nth(certs)[0]}")),
            "verify: number + name (API)": verify(
                lambda: dict(zip(("number", "name"), nth(certs)[1:], strict=True))
            ),
        }
        statements = Statements(engine)
        times: dict[str, list[float]] = {}
        print(f"{size:,} trainees, {runs} runs each (ratio: p50 over the primary-key read's p50):")
        for label, job in work.items():
            timed(3, job)  # warm: caches, the signature check per token (verification.py)
            times[label] = timed(runs, job)
            baseline = statistics.median(times["baseline: trainee by primary key"])
            print(line(label, times[label], baseline))
            with engine.connect() as conn:
                print(f"      {plan_summary(conn, statements.of(job))}")
        return times
    finally:
        engine.dispose()
        drop()


def _ok(answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, (answer.status_code, answer.get_data(as_text=True)[:300])


def label(size: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def summary(sizes: list[int], results: dict[int, dict[str, list[float]]]) -> str:
    parts = []
    for key, endpoint in SUMMED.items():
        figures = ",".join(f"{label(n)}:{p95(results[n][endpoint]):.1f}" for n in sizes)
        parts.append(f"{key}_p95_ms={figures}")
    base = ",".join(
        f"{label(n)}:{statistics.median(results[n]['baseline: trainee by primary key']):.2f}" for n in sizes
    )
    parts.append(f"pk_p50_ms={base}")
    first, last = sizes[0], sizes[-1]
    growth = ",".join(
        f"{key}:{p95(results[last][e]) / p95(results[first][e]):.2f}" for key, e in SUMMED.items()
    )
    parts.append(f"growth_{label(last)}_over_{label(first)}={growth}")
    return " ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--revision", default="", help="downgrade the scratch schema to this revision")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    results = {n: measure(n, args.runs, args.revision) for n in sizes}
    print("p95 ms per size, and growth over the first size (noisy machine: compare ratios):")
    for endpoint in results[sizes[0]]:
        figures = [p95(results[n][endpoint]) for n in sizes]
        growth = " ".join(f"x{f / figures[0]:.1f}" for f in figures[1:])
        print(f"  {endpoint:<34} " + " ".join(f"{f:8.1f}" for f in figures) + f"   {growth}")
    print(summary(sizes, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
