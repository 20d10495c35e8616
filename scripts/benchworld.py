"""The officers' world at any size, filled straight through SQL, and the timing helpers the read
benchmarks share. Used by bench_dashboard.py and bench_scale.py; not part of the app.

What the dashboard and the look-ups read, not how it got there: classes over two years, ten
industries and three categories, in 20 institutions and 12 counties; each trainee enrolled once,
95 % with their hours done; 90 % of the classes examined (a first sitting, a retake for whoever
failed: 85 % pass the first, 60 % the retake), certificates for the passes, 1 % revoked. The draws
are hashes of the row's number, so a size always gives the same world. One INSERT ... SELECT
generate_series per table: a million trainees in a few minutes, not an ORM object per row.
"""

from __future__ import annotations

import re
import statistics
import time
from datetime import UTC, datetime

from loadkit import CSRF, PASSWORD, enrol_totp  # a sibling script
from sqlalchemy import text

from examsvc.audit.service import SYSTEM
from examsvc.auth import service as users
from examsvc.core.crypto import totp
from examsvc.core.db import db_session
from examsvc.core.identity import make_credit_code
from examsvc.orgs.service import create_organisation
from examsvc.oversight.models import CoverageTarget
from examsvc.questions.codes import CATEGORIES, INDUSTRIES

YEAR = 2026
BIG_TABLES = ("trainee", "training_class", "enrollment", "exam_sitting", "exam_attempt", "certificate")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文辉鹏飞宇晨浩然"


# A class c, its trainees (c-1)*per+1 .. c*per, each enrolment and trainee numbered like the person;
# mod(hashint8(p * 7 + salt) + 2^31, 100) is a uniform draw in 0..99 from the person's number.
SQL = (
    """INSERT INTO training_class (id, code, institution_id, industry, category, title, start_date,
    end_date, venue, venue_county_code, hours_online, hours_offline, hours_practical, status,
    created_at, updated_at)
    SELECT c, 'B' || lpad(c::text, 7, '0'), (CAST(:schools AS int[]))[1 + c % 20],
        (CAST(:industries AS text[]))[1 + c % :n_industries], (CAST(:categories AS text[]))[1 + c % 3],
        '压测班' || c, ends - 4, ends, '考场', '4501' || lpad((c % 12)::text, 2, '0'), 8, 16, 0,
        CASE WHEN c % 10 <> 0 THEN 'examined' ELSE 'approved' END, :now, :now
    FROM generate_series(1, :classes) c, make_date(:year - c % 2, 1 + c % 12, 1 + c % 27) ends""",
    """INSERT INTO exam_sitting (id, class_id, kind, venue, county_code, starts_at, release_at,
    duration_minutes, marking, status, created_at)
    SELECT 2 * c - 1 + k.o, c, k.kind, '考场', '450103', :now, :now - interval '1 hour', 90, 'score',
        'published', :now
    FROM generate_series(1, :classes) c, (VALUES (0, 'first'), (1, 'retake')) k(o, kind)
    WHERE c % 10 <> 0""",
    """INSERT INTO trainee (id, id_type, id_hash, id_sealed, id_masked, name, category, industry,
    created_at, updated_at)
    SELECT p, 'id_card', lpad(to_hex(p), 64, '0'), '\x78'::bytea, '450103********0000',
        substr(:surnames, 1 + p % length(:surnames), 1)
        || substr(:given, 1 + (p / 40) % length(:given), 1)
        || CASE WHEN mod(hashint8(p * 7 + 1) + 2147483648, 100) < 80
            THEN substr(:given, 1 + (p / 1600) % length(:given), 1) ELSE '' END,
        t.category, t.industry, :now, :now
    FROM generate_series(1, :people) p JOIN training_class t ON t.id = (p - 1) / :per + 1""",
    """INSERT INTO enrollment (id, class_id, trainee_id, hours_completed, created_at)
    SELECT p, (p - 1) / :per + 1, p,
        CASE WHEN mod(hashint8(p * 7 + 2) + 2147483648, 100) < 95 THEN 24 ELSE 10 END, :now
    FROM generate_series(1, :people) p""",
    """INSERT INTO exam_attempt (id, enrollment_id, sitting_id, kind, presence, seat_no, score_tenths,
    passed, version, updated_at)
    SELECT p + k.o * :people, p, 2 * ((p - 1) / :per + 1) - 1 + k.o, k.kind, 'present',
        (p - 1) % :per + 1, CASE WHEN pass THEN 900 ELSE 500 END, pass, 1, :now
    FROM generate_series(1, :people) p,
        LATERAL (VALUES (0, 'first', mod(hashint8(p * 7 + 3) + 2147483648, 100) < 85),
            (1, 'retake', mod(hashint8(p * 7 + 4) + 2147483648, 100) < 60)) k(o, kind, pass)
    WHERE ((p - 1) / :per + 1) % 10 <> 0 AND (k.o = 0 OR mod(hashint8(p * 7 + 3) + 2147483648, 100) >= 85)""",
    """INSERT INTO certificate (id, number, enrollment_id, attempt_id, trainee_id, class_id, hours,
    credit_year, issued_at, expires_at, kid, token, status_index, revoked_at, revoke_reason)
    SELECT a.id, 'AQ' || extract(year FROM t.end_date)::int || lpad(a.id::text, 7, '0'), e.id, a.id,
        e.trainee_id, t.id, 24, extract(year FROM t.end_date)::int, :now, :now + interval '3 years',
        'bench', '', a.id, CASE WHEN a.id % 100 = 0 THEN :now END,
        CASE WHEN a.id % 100 = 0 THEN '压测' END
    FROM exam_attempt a JOIN enrollment e ON e.id = a.enrollment_id JOIN training_class t ON t.id = e.class_id
    WHERE a.passed""",
)


def fill(app, classes: int, per_class: int, quiet: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    """The world, ANALYZEd and vacuumed as autovacuum keeps it; the officer's TOTP secret."""
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
        params = dict(
            schools=schools,
            industries=list(INDUSTRIES),
            n_industries=len(INDUSTRIES),
            categories=list(CATEGORIES),
            now=now,
            year=YEAR,
            classes=classes,
            per=per_class,
            people=classes * per_class,
            surnames=SURNAMES,
            given=GIVEN,
        )
        for statement in SQL:
            s.execute(text(statement), params)
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
        engine = s.get_bind()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # The visibility map and statistics autovacuum keeps; these tables only, not the whole database.
            conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(BIG_TABLES)}")
        if not quiet:
            counts = {t: s.scalar(text(f"SELECT count(*) FROM {t}")) for t in BIG_TABLES}  # noqa: S608
            print("filled:", ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    return totp_secret


def signed_in(app, totp_secret: bytes):  # type: ignore[no-untyped-def]
    """A test client signed in as the officer (password, then TOTP), through the forms."""
    client = app.test_client()

    def form(path: str, data: dict[str, str]) -> int:
        token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
        return client.post(path, data={**data, "csrf_token": token}).status_code

    assert form("/login", {"username": "officer", "password": PASSWORD}) == 302
    assert form("/login/totp", {"code": totp.code_at(totp_secret, time.time())}) == 302
    return client


def timed(runs: int, work) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]


def line(label: str, times: list[float], baseline: float) -> str:
    p50 = statistics.median(times)
    return f"  {label:<34} p50 {p50:7.1f} ms  p95 {p95(times):7.1f} ms  ({p50 / baseline:4.1f}x baseline)"


def plan_summary(conn, statements: list[tuple[str, object]]) -> str:  # type: ignore[no-untyped-def]
    """The indexes the statements' plans use, and the big tables they scan whole (EXPLAIN, not run)."""
    indexes: list[str] = []
    scans: list[str] = []
    for statement, parameters in statements:
        if not re.match(r"\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
            continue
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        stack = [plan[0]["Plan"]]
        while stack:
            node = stack.pop()
            stack.extend(node.get("Plans", []))
            if "Index Name" in node and node["Index Name"] not in indexes:
                indexes.append(node["Index Name"])
            if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG_TABLES:
                scans.append(node["Relation Name"])
    seq = f"; SEQ SCAN of {', '.join(sorted(set(scans)))}" if scans else ""
    return f"indexes: {', '.join(indexes) or '-'}{seq}"
