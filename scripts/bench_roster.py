"""Benchmark of roster uploads: reading and checking a 5,000-row file, and saving it.

    .venv/bin/python scripts/bench_roster.py [--rows 5000] [--database-url postgresql+psycopg://postgres@127.0.0.1/test]

Not part of the test suite. Prints medians; the reading and checking is set against a baseline
measured in the same process: parsing the same bytes with the standard csv module (or openpyxl
for .xlsx) and nothing else.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

from examsvc import Config, create_app
from examsvc.audit.service import Actor
from examsvc.classes import enrol, service
from examsvc.classes.roster import COLUMNS, check_cells, read_cells
from examsvc.classes.rules import ClassRules
from examsvc.core.db import db_session, make_engine
from examsvc.core.identity import make_credit_code, make_id_number
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.orgs.service import create_organisation

ROUNDS = 5


def rows(count: int, offset: int = 0) -> list[list[object]]:
    out = [[zh for _, zh, _, _ in COLUMNS]]
    for n in range(offset, offset + count):
        born = date(1960, 1, 1).toordinal() + (n * 37) % 15000
        number = make_id_number("450103", date.fromordinal(born), n % 1000)
        code = make_credit_code(f"9145010{n % 10}MA5L1NE01")
        out.append([f"学员{n}", "居民身份证", number, f"139{n:08d}", f"企业{n % 10}", code, 0])
    return out


def as_csv(table: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(table: list[list[object]]) -> bytes:
    book = Workbook()
    for row in table:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def median_of(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_checks(count: int) -> None:
    table = rows(count)
    for name, data, baseline in (
        ("csv", as_csv(table), lambda d: list(csv.reader(io.StringIO(d.decode("utf-8-sig"))))),
        ("xlsx", as_xlsx(table), lambda d: list(load_workbook(io.BytesIO(d), read_only=True).active.values)),
    ):
        ours = median_of(lambda: check_cells(read_cells(data, f"r.{name}")))  # noqa: B023
        base = median_of(lambda: baseline(data))  # noqa: B023
        assert not check_cells(read_cells(data, f"r.{name}")).problems
        print(
            f"read and check {count} rows (.{name}): {ours * 1000:8.1f} ms  "
            f"(baseline parse only {base * 1000:7.1f} ms, ratio {ours / base:.1f}x)"
        )


def bench_import(count: int, database_url: str | None, workdir: Path) -> None:
    url, drop = scratch_database(workdir, database_url)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    config = Config(
        env="testing",
        instance_dir=workdir,
        database_url=url,
        secret_key="b" * 40,
        key_dir=workdir / "keys",
        rule_cap_other=count,
    )
    app = create_app(config)
    actor = Actor(None, "bench")
    rules = ClassRules.from_config(config)
    times = []
    with app.app_context():
        s = db_session()
        school = create_organisation(
            s,
            actor,
            kind="institution",
            code=make_credit_code("91450100MA5BENCH1"),
            name="bench",
            county_code="450103",
        )
        for round_number in range(3):
            check = check_cells(rows(count, offset=round_number * count))
            training_class = service.create_class(
                s,
                actor,
                school.id,
                service.ClassInput(
                    "bench",
                    "machinery",
                    "manager",
                    date(2027, 1, 1),
                    date(2027, 1, 5),
                    "v",
                    "450103",
                    8,
                    16,
                    0,
                ),
            )
            started = time.perf_counter()
            enrol.add_to_roster(s, actor, app.extensions["examsvc.keys"], training_class, check, rules)
            s.commit()
            times.append(time.perf_counter() - started)
    app.extensions["examsvc.db"].engine.dispose()
    drop()
    median = statistics.median(times)
    kind = "PostgreSQL" if database_url else "SQLite"
    print(f"save {count} new trainees ({kind}): {median:6.2f} s median of 3 = {count / median:7.0f} rows/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", help="PostgreSQL server database; the run uses a schema of its own")
    args = parser.parse_args()
    bench_checks(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        bench_import(args.rows, args.database_url, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
