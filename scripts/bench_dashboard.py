"""Benchmark: the officers' coverage dashboard with 100,000 trainees in 5,000 classes on PostgreSQL.

    .venv/bin/python scripts/bench_dashboard.py [--classes 5000] [--per-class 20] [--runs 30]

Not part of the test suite. Fills a scratch PostgreSQL schema straight through SQL (what the
dashboard reads, not how it got there): classes over two years, ten industries and three
categories, in 20 institutions and 12 counties; each trainee enrolled once, most with their hours
done; 90 % of the classes examined (a first sitting, a retake for whoever failed), certificates
for the passes, 1 % revoked. Then, in the same process, it times `--runs` times:
- the baseline: `SELECT count(*) FROM enrollment` (one scan of the biggest table the dashboard reads);
- the dashboard's aggregate query (all three groupings), and the whole page through Flask as a signed-in
  officer (queries + targets + template);
and prints p50/p95 and the ratio to the baseline's p50. Target: the page's p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from examsvc.audit.service import SYSTEM
from examsvc.auth import service as users
from examsvc.certificates.models import Certificate
from examsvc.classes.models import Enrollment, TrainingClass
from examsvc.core.crypto import totp
from examsvc.core.db import db_session
from examsvc.core.identity import make_credit_code
from examsvc.exams.models import Attempt, Sitting
from examsvc.orgs.service import create_organisation
from examsvc.oversight import coverage
from examsvc.oversight.models import CoverageTarget
from examsvc.questions.codes import CATEGORIES, INDUSTRIES
from examsvc.trainees.models import Trainee

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import CSRF, PASSWORD, enrol_totp, scratch_app  # noqa: E402  (a sibling script)

YEAR = 2026
CHUNK = 5000


def fill(app, classes: int, per_class: int) -> bytes:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    now = datetime.now(UTC)
    with app.app_context():
        s = db_session()
        bureau = create_organisation(
            s, SYSTEM, kind="bureau", code="450100", name="测试市应急管理局", county_code="450100"
        )
        schools = [
            create_organisation(
                s,
                SYSTEM,
                kind="institution",
                code=make_credit_code(f"91450100MA5BEN{i:03d}"),
                name=f"培训机构{i:02d}",
                county_code="450103",
            ).id
            for i in range(20)
        ]
        s.flush()
        rows: dict[type, list[dict]] = {
            Trainee: [],
            TrainingClass: [],
            Enrollment: [],
            Sitting: [],
            Attempt: [],
            Certificate: [],
        }
        person = attempt_id = cert_id = 0
        for c in range(1, classes + 1):
            industry, category = INDUSTRIES[c % len(INDUSTRIES)], CATEGORIES[c % len(CATEGORIES)]
            ends = date(YEAR - (c % 2), 1 + c % 12, 1 + c % 27)
            examined = c % 10 != 0
            rows[TrainingClass].append(
                dict(
                    id=c,
                    code=f"B{c:06d}",
                    institution_id=schools[c % 20],
                    industry=industry,
                    category=category,
                    title=f"压测班{c}",
                    start_date=ends - timedelta(days=4),
                    end_date=ends,
                    venue="考场",
                    venue_county_code=f"4501{c % 12:02d}",
                    hours_online=8,
                    hours_offline=16,
                    hours_practical=0,
                    status="examined" if examined else "approved",
                    created_at=now,
                    updated_at=now,
                )
            )
            first, retake = 2 * c - 1, 2 * c
            if examined:
                for sitting_id, kind in ((first, "first"), (retake, "retake")):
                    rows[Sitting].append(
                        dict(
                            id=sitting_id,
                            class_id=c,
                            kind=kind,
                            venue="考场",
                            county_code="450103",
                            starts_at=now,
                            release_at=now - timedelta(hours=1),
                            duration_minutes=90,
                            marking="score",
                            status="published",
                            created_at=now,
                        )
                    )
            for seat in range(1, per_class + 1):
                person += 1
                rows[Trainee].append(
                    dict(
                        id=person,
                        id_type="id_card",
                        id_hash=f"{person:064x}",
                        id_sealed=b"x",
                        id_masked="450103********0000",
                        name=f"学员{person}",
                        category=category,
                        industry=industry,
                        created_at=now,
                        updated_at=now,
                    )
                )
                rows[Enrollment].append(
                    dict(
                        id=person,
                        class_id=c,
                        trainee_id=person,
                        created_at=now,
                        hours_completed=24 if rng.random() < 0.95 else 10,
                    )
                )
                if not examined:
                    continue
                passed_first = rng.random() < 0.85
                outcomes = [(first, "first", passed_first)] + (
                    [] if passed_first else [(retake, "retake", rng.random() < 0.6)]
                )
                for sitting_id, kind, passed in outcomes:
                    attempt_id += 1
                    rows[Attempt].append(
                        dict(
                            id=attempt_id,
                            enrollment_id=person,
                            sitting_id=sitting_id,
                            kind=kind,
                            presence="present",
                            seat_no=seat,
                            score_tenths=900 if passed else 500,
                            passed=passed,
                            version=1,
                            updated_at=now,
                        )
                    )
                    if passed:
                        cert_id += 1
                        revoked = now if cert_id % 100 == 0 else None
                        rows[Certificate].append(
                            dict(
                                id=cert_id,
                                number=f"AQB{cert_id:09d}",
                                enrollment_id=person,
                                attempt_id=attempt_id,
                                trainee_id=person,
                                class_id=c,
                                hours=24,
                                credit_year=ends.year,
                                issued_at=now,
                                expires_at=now,
                                kid="bench",
                                token="",
                                status_index=cert_id,
                                revoked_at=revoked,
                                revoke_reason="压测" if revoked else None,
                            )
                        )
        for model in (TrainingClass, Sitting, Trainee, Enrollment, Attempt, Certificate):
            for start in range(0, len(rows[model]), CHUNK):
                s.execute(insert(model), rows[model][start : start + CHUNK])
        for i, (industry, category) in enumerate((i, c) for i in INDUSTRIES for c in CATEGORIES):
            s.add(
                CoverageTarget(
                    year=YEAR, industry=industry, category=category, people=3000 + 100 * i, updated_at=now
                )
            )
        officer = users.create_user(
            s,
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="officer",
            display_name="考务",
            role="officer",
            org_id=bureau.id,
            password=PASSWORD,
        )
        totp_secret = enrol_totp(s, app.extensions["examsvc.keys"], officer)
        s.commit()
        s.connection().exec_driver_sql("ANALYZE")  # the planner's statistics, as autovacuum keeps them
        s.commit()
        counts = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (TrainingClass, Trainee, Attempt, Certificate)
        }
        print("filled:", ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    return totp_secret  # the officer's authenticator, for signing in


def timed(runs: int, work) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(label: str, times: list[float], baseline: float) -> str:
    q = statistics.quantiles(times, n=20)
    p50 = statistics.median(times)
    return f"  {label:<34} p50 {p50:7.1f} ms  p95 {q[18]:7.1f} ms  ({p50 / baseline:4.1f}x baseline)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=5000)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="examsvc-bench-"))
    app, _env, drop = scratch_app(tmp)
    logging.getLogger("examsvc.requests").setLevel(logging.WARNING)  # a line per timed request otherwise
    try:
        started = time.perf_counter()
        totp_secret = fill(app, args.classes, args.per_class)
        print(f"in {time.perf_counter() - started:.0f} s")
        client = app.test_client()

        def form(path: str, data: dict[str, str]) -> int:
            token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
            return client.post(path, data={**data, "csrf_token": token}).status_code

        assert form("/login", {"username": "officer", "password": PASSWORD}) == 302
        assert form("/login/totp", {"code": totp.code_at(totp_secret, time.time())}) == 302
        with app.app_context():
            s = db_session()
            count = lambda: s.scalar(select(func.count()).select_from(Enrollment))  # noqa: E731
            timed(3, count)
            base = timed(args.runs, count)
            baseline = statistics.median(base)
            print(f"{args.runs} runs each, PostgreSQL, year {YEAR}:")
            print(line("baseline: count(*) of enrollment", base, baseline))
            whole = timed(args.runs, lambda: coverage.coverage_of_year(s, YEAR))
            print(line("coverage_of_year (the page's query)", whole, baseline))
            s.rollback()

        def whole_page() -> None:
            answer = client.get(f"/officer/coverage/?year={YEAR}")
            assert answer.status_code == 200, answer.status_code

        timed(2, whole_page)
        print(line("the whole page (Flask, signed in)", timed(args.runs, whole_page), baseline))
        app.extensions["examsvc.db"].engine.dispose()
        return 0
    finally:
        drop()


if __name__ == "__main__":
    sys.exit(main())
