"""Benchmark of the encrypted bank: import throughput, and the cost of opening one paper's questions.

    .venv/bin/python scripts/bench_bank.py                 # banks of 10,000 and 100,000, SQLite
    .venv/bin/python scripts/bench_bank.py --sizes 10000 --database-url postgresql+psycopg://postgres@127.0.0.1/test

Not part of the test suite (timings are measured, not asserted). Prints medians, and the paper's
decryption against a baseline measured in the same process: AES-256-GCM on the same 100 records
with the key already in hand, i.e. the least any design could cost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from examsvc import Config, create_app
from examsvc.audit.service import Actor
from examsvc.core.db import db_session, make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.questions.cipher import BankCipher
from examsvc.questions.codes import CATEGORIES, INDUSTRIES, TOPICS
from examsvc.questions.models import QuestionVersion
from examsvc.questions.rules import QuestionRecord
from examsvc.questions.service import import_records

PAPER = 100
ROUNDS = 30


def synthetic(n: int, seed: int = 7) -> list[QuestionRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        qtype = rng.choice(("single", "single", "multiple", "truefalse", "truefalse"))
        options = (
            () if qtype == "truefalse" else tuple((k, f"选项{k}：某项安全生产措施的表述{i}") for k in "ABCD")
        )
        answer = {"single": "B", "multiple": "ACD", "truefalse": "true"}[qtype]
        out.append(
            QuestionRecord(
                external_id=f"gen-{i:06d}",
                type=qtype,
                industry=rng.choice(("general",) + INDUSTRIES),
                topic=rng.choice(TOPICS),
                categories=tuple(c for c in CATEGORIES if rng.random() < 0.7) or ("manager",),
                difficulty=rng.randint(1, 5),
                status="active",
                stem=f"第{i}题：生产经营单位的主要负责人对本单位安全生产工作应当承担何种责任？" * 2,
                options=options,
                answer=answer,
                explanation="依据安全生产法有关规定，主要负责人是本单位安全生产第一责任人，对本单位安全生产工作全面负责。",
                source="《中华人民共和国安全生产法》（2021年修正）第五条",
            )
        )
    return out


def bench(size: int, database_url: str | None, workdir: Path) -> None:
    url, drop = scratch_database(workdir, database_url)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app(
        Config(
            env="testing",
            instance_dir=workdir,
            database_url=url,
            secret_key="b" * 40,
            key_dir=workdir / "keys",
        )
    )
    records = synthetic(size)
    with app.app_context():
        s = db_session()
        keyring = app.extensions["examsvc.keys"]
        started = time.perf_counter()
        import_records(s, Actor(None, "bench"), BankCipher(s, keyring), records, origin="bench")
        s.commit()
        import_seconds = time.perf_counter() - started

        ids = s.scalars(select(QuestionVersion.id)).all()
        rng = random.Random(1)
        opened, selected, baseline = [], [], []
        for _ in range(ROUNDS):
            chosen = rng.sample(ids, PAPER)
            t0 = time.perf_counter()
            versions = s.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(chosen))).all()
            t1 = time.perf_counter()
            contents = BankCipher(s, keyring).open_many(
                versions
            )  # a fresh cipher: includes unwrapping the data key
            t2 = time.perf_counter()
            selected.append(t1 - t0)
            opened.append(t2 - t1)
            assert len(contents) == PAPER
            # Baseline: the same 100 ciphertexts, raw AES-GCM with the data key already unwrapped.
            cipher = BankCipher(s, keyring)
            cipher.open(versions[0])
            aes = AESGCM(next(iter(cipher._deks.values())).material)
            t3 = time.perf_counter()
            for v in versions:
                start = 3 + v.content[2]
                aes.decrypt(
                    v.content[start : start + 12],
                    v.content[start + 12 :],
                    f"examsvc-question:{v.question_id}:v{v.version}".encode(),
                )
            baseline.append(time.perf_counter() - t3)
        s.close()
    app.extensions["examsvc.db"].engine.dispose()
    drop()
    med = statistics.median
    print(f"bank of {size:>7,} ({'PostgreSQL' if database_url else 'SQLite'})")
    print(f"  import: {import_seconds:7.2f} s  = {size / import_seconds:8.0f} questions/s")
    print(f"  one paper ({PAPER} questions), median of {ROUNDS}:")
    print(f"    select by id   {med(selected) * 1000:7.2f} ms")
    ratio = med(opened) / med(baseline)
    print(f"    decrypt        {med(opened) * 1000:7.2f} ms  ({ratio:.1f}x the raw AES-GCM baseline)")
    print(f"    raw AES-GCM    {med(baseline) * 1000:7.2f} ms  (baseline)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--database-url", help="a PostgreSQL URL (its tables are emptied? no: use a scratch database)"
    )
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            bench(size, args.database_url, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
