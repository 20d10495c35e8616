"""What the load scripts share: a scratch PostgreSQL app, gunicorn on a free port, a built exam day,
percentiles and the regrading check. Used by bench_tablets.py, bench_certificates.py and loadtest.py;
not part of the app.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from examsvc import create_app
from examsvc.audit.service import SYSTEM
from examsvc.auth import service as users
from examsvc.certificates.models import Certificate
from examsvc.certificates.service import issue_for_sitting, revoke
from examsvc.classes import enrol
from examsvc.classes import service as classes
from examsvc.classes.models import Enrollment
from examsvc.classes.roster import COLUMNS, check_cells
from examsvc.classes.rules import ClassRules
from examsvc.core.config import Config
from examsvc.core.crypto import totp
from examsvc.core.db import db_session, make_engine, utcnow
from examsvc.core.identity import make_id_number
from examsvc.core.keyring import init_keys
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.demo.classes import demo_people
from examsvc.exams import service as sittings
from examsvc.exams.assignment import required_proctors
from examsvc.exams.grading import grade, key_sheet, paper_seat_key, parse_sheet
from examsvc.exams.models import Attempt
from examsvc.orgs.service import create_organisation
from examsvc.papers.composition import seed_of
from examsvc.papers.service import generate_paper, open_paper_for_grading
from examsvc.questions.authoring import bank_files, read_paths
from examsvc.questions.cipher import BankCipher
from examsvc.questions.service import import_records

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "Bench-tablet-2026"


@dataclass(frozen=True)
class Job:
    """One candidate as a proctor's tablet sees them: where to post, the seat and the typed sheet."""

    enrollment_id: int
    path: str
    seat: int
    sheet: str


@dataclass
class World:
    work: dict[str, list[Job]] = field(default_factory=dict)  # today's candidates per proctor
    officers: dict[str, bytes] = field(default_factory=dict)  # user name -> TOTP secret
    certificates: list[tuple[str, str]] = field(default_factory=list)  # (token, expected status)
    sittings_today: list[int] = field(default_factory=list)


def _people(first: int, count: int) -> list[list[object]]:
    """Roster rows of made-up people whose ID numbers never repeat, however many are asked for."""
    rows = demo_people(first, count)
    for n, row in enumerate(rows, start=first):
        row[2] = make_id_number("450103", date(1960, 1, 1) + timedelta(days=n // 1000), n % 1000)
    return rows


def _passes(seat: int) -> bool:
    return seat % 5 != 0  # one candidate in five fails


def enrol_totp(s, keys, officer) -> bytes:  # type: ignore[no-untyped-def]
    """An officer's authenticator enrolled ahead (officers must have one); its secret, to sign in."""
    enrolment = users.begin_totp_enrolment(s, keys.personal_data, officer, "examsvc")
    secret = base64.b32decode(enrolment.secret_base32 + "=" * (-len(enrolment.secret_base32) % 8))
    code = totp.code_at(secret, time.time() - 30)  # confirms without using up the current step
    assert users.check_totp(s, keys.personal_data_keys(), officer, code, time.time())
    return secret


def build_world(  # type: ignore[no-untyped-def]
    app, tablets: int, per_class: int, class_count: int = 0, officers: int = 0, today_sittings: int = 0
) -> World:
    """Classes of `per_class` candidates: as many sitting now (paper released) as the `tablets`
    proctors can staff under the assignment rules, or exactly `today_sittings` of them with the
    tablets spread evenly (e.g. 1,000 tablets over 25: 40 proctors each); the rest, up to
    `class_count` in all, with published results and certificates (one in a hundred revoked); and
    `officers` officer accounts."""
    with app.app_context():  # the starter bank, as reviewed in its pull request
        s = db_session()
        records = read_paths(bank_files(ROOT / "question_bank")).records
        import_records(s, SYSTEM, BankCipher(s, app.extensions["examsvc.keys"]), records, "load", "reviewer")
        s.commit()
    config, keys, hasher = (
        app.config["EXAMSVC"],
        app.extensions["examsvc.keys"],
        app.extensions["examsvc.hasher"],
    )
    world = World()
    with app.app_context():
        s = db_session()
        org = lambda kind, code, name: create_organisation(  # noqa: E731
            s, SYSTEM, kind=kind, code=code, name=name, county_code="450123"
        )
        bureau = org("bureau", "450100", "测试市应急管理局")
        county = org("county", "450123", "测试县应急管理局")
        school = org("institution", "91450100MA5TEAM01C", "测试培训学校")
        person = lambda name, role, org_id: users.create_user(  # noqa: E731
            s, SYSTEM, hasher, username=name, display_name=name, role=role, org_id=org_id, password=PASSWORD
        )
        staff = [person(f"officer{i:02d}", "officer", bureau.id) for i in range(officers)]
        for officer in staff:
            world.officers[officer.username] = enrol_totp(s, keys, officer)
        proctors = [person(f"tablet{i:03d}", "proctor", county.id) for i in range(tablets)]
        crew = required_proctors(per_class, config.exam_min_proctors, config.exam_candidates_per_proctor)
        if today_sittings:
            if tablets // today_sittings < crew:
                raise SystemExit(f"sittings of {per_class} candidates need {crew} proctors each")
            crew, today = tablets // today_sittings, today_sittings
        else:
            today = tablets // crew
        rules, cipher = ClassRules.from_config(config), BankCipher(s, keys)
        starts = utcnow() - timedelta(minutes=10)
        scheduled = starts - timedelta(days=7)  # the world's past: the office scheduled a week ahead
        header = [key for key, *_ in COLUMNS]
        for n in range(max(class_count, today)):
            data = classes.ClassInput(
                f"压测班{n:03d}",
                "coal_mine",
                "manager",
                date.today() - timedelta(days=12),  # trained and finished before exam day
                date.today() - timedelta(days=8),
                "南宁",
                "450103",
                8,
                16,
                0,
            )
            training_class = classes.create_class(s, SYSTEM, school.id, data)
            rows = [[*row[:6], 24] for row in _people(1000 + n * per_class, per_class)]
            enrol.add_to_roster(s, SYSTEM, keys, training_class, check_cells([header, *rows]), rules)
            classes.submit(s, SYSTEM, training_class, rules)
            classes.approve(s, SYSTEM, training_class, rules)
            paper = generate_paper(s, SYSTEM, cipher, training_class, "first", config)
            sitting = sittings.schedule(
                s,
                SYSTEM,
                training_class,
                sittings.SittingInput("first", "考场", "450123", starts, 90),
                config,
                scheduled,
            )
            roster = s.scalars(select(Enrollment.id).where(Enrollment.class_id == training_class.id)).all()
            if n >= today:
                _publish(s, sitting, roster, config)
                continue
            group = proctors[crew * n : crew * n + crew]
            sittings.assign(s, SYSTEM, sitting, [p.id for p in group], config, scheduled)
            world.sittings_today.append(sitting.id)
            payload = open_paper_for_grading(cipher, paper, utcnow())
            for seat, enrollment_id in enumerate(roster, start=1):
                key = paper_seat_key(payload, seed_of(payload, paper.seed), seat)
                sheet = key_sheet(key) if _passes(seat) else " ".join(["-"] * len(key.items))
                path = f"/proctor/sittings/{sitting.id}/candidates/{enrollment_id}"
                world.work.setdefault(group[seat % crew].username, []).append(
                    Job(enrollment_id, path, seat, sheet)
                )
        s.commit()
        for i, cert in enumerate(s.scalars(select(Certificate).order_by(Certificate.id)).all()):
            if i % 100 == 99 and staff:
                revoke(s, SYSTEM, staff[0], cert, "压测：撤销样本")
            world.certificates.append((cert.token, "revoked" if i % 100 == 99 and staff else "valid"))
        s.commit()
    return world


def _publish(s, sitting, roster: list[int], config) -> None:  # type: ignore[no-untyped-def]
    """A past sitting: every candidate marked by hand (no sheets), published, passes certified."""
    publish_marked(s, sitting, roster, _passes)
    issue_for_sitting(s, SYSTEM, sitting, config)


def publish_marked(s, sitting, roster: list[int], passes) -> None:  # type: ignore[no-untyped-def]
    """Every candidate of `roster` present and marked by hand (passed if passes(seat)); the sitting
    published, without its certificates (the caller issues them, e.g. to time that alone)."""
    for seat, enrollment_id in enumerate(roster, start=1):
        passed = passes(seat)
        s.add(
            Attempt(
                enrollment_id=enrollment_id,
                sitting_id=sitting.id,
                kind="first",
                presence="present",
                seat_no=seat,
                score_tenths=900 if passed else 500,
                passed=passed,
            )
        )
    sitting.status = "published"
    s.flush()


def regrading_problems(session, cipher: BankCipher, attempts: list[Attempt]) -> list[str]:  # type: ignore[no-untyped-def]
    """Attempts whose stored score differs from grading their stored answers again."""
    from examsvc.exams.models import Sitting
    from examsvc.exams.service import paper_of

    problems, keys = [], {}
    for attempt in attempts:
        if attempt.sitting_id not in keys:
            paper = paper_of(session, session.get(Sitting, attempt.sitting_id))
            keys[attempt.sitting_id] = (paper, open_paper_for_grading(cipher, paper, utcnow()))
        paper, payload = keys[attempt.sitting_id]
        key = paper_seat_key(payload, seed_of(payload, paper.seed), attempt.seat_no)
        if grade(parse_sheet(attempt.answers, key)[0], key).score_tenths != attempt.score_tenths:
            problems.append(f"attempt {attempt.id}: stored score differs from a regrading")
    return problems


def scratch_app(tmp: Path, **settings: object):  # type: ignore[no-untyped-def]
    """A migrated scratch schema on PostgreSQL, the EXAMSVC_* settings for it (plus `settings`, e.g.
    redis_url=...), and an app on it: (app, env, drop). The env also goes to gunicorn workers."""
    url, drop = scratch_database(tmp, os.environ.get("EXAMSVC_BENCH_DATABASE_URL", PG))
    env = {
        "EXAMSVC_ENV": "production",  # as scripts/run.sh --production serves it (keys made below)
        "EXAMSVC_INSTANCE_DIR": str(tmp),
        "EXAMSVC_DATABASE_URL": url,
        "EXAMSVC_SECRET_KEY": secrets.token_urlsafe(32),
        "EXAMSVC_KEY_DIR": str(tmp / "keys"),
        "EXAMSVC_COOKIE_SECURE": "false",  # plain http on 127.0.0.1
        "EXAMSVC_ALLOW_INSECURE_BASE_URL": "true",  # as run.sh --production on one machine
        # Fast password hashes: every client signs in before the clock starts.
        "EXAMSVC_ARGON2_TIME_COST": "1",
        "EXAMSVC_ARGON2_MEMORY_KIB": "1024",
        **{f"EXAMSVC_{name.upper()}": str(value) for name, value in settings.items()},
    }
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    init_keys(tmp / "keys")  # production never makes keys by itself (examsvc keys init)
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')  # a form's token, from its page


def quantiles_ms(values: list[float]) -> list[float]:
    """The 1st to 99th percentiles of timings in seconds, in milliseconds ([49] is p50, [98] p99)."""
    return [v * 1000 for v in statistics.quantiles(values, n=100)]


def percentiles(values: list[float]) -> str:
    q = quantiles_ms(values)
    return f"p50 {q[49]:7.1f} ms  p95 {q[94]:7.1f} ms  p99 {q[98]:7.1f} ms  (n={len(values)})"
