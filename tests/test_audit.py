"""The audit trail: hash-chained, append-only, and a valid chain under concurrent writers."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from examsvc.audit import service as audit
from examsvc.audit.chain import AuditDetailError, canonical_detail
from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM, Actor
from examsvc.cli import main
from examsvc.core.db import db_session, make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database


def _append(app, n: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for i in range(n):
            audit.record(db_session(), SYSTEM, "test.event", "thing", i, {"i": i})
        db_session().commit()


def _drop_append_only_guard(s: Session) -> None:
    """What someone with full database rights could do; the chain must still catch them."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    else:
        s.execute(text("DROP TRIGGER audit_event_no_update"))
        s.execute(text("DROP TRIGGER audit_event_no_delete"))


def test_a_fresh_chain_verifies(app):
    _append(app, 5)
    with app.app_context():
        report = audit.verify(db_session())
    assert report.ok and report.entries == 5


def test_the_database_refuses_to_change_an_entry(app):
    _append(app, 2)
    with app.app_context():
        s = db_session()
        with pytest.raises(DBAPIError, match="append-only"):
            s.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(action="x"))
        s.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            s.execute(text("DELETE FROM audit_event WHERE seq = 2"))
        s.rollback()


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_event SET detail = '{}' WHERE seq = 2", "edited"),
        ("UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 3", "edited"),
        ("DELETE FROM audit_event WHERE seq = 2", "missing"),
        (
            "UPDATE audit_event SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END + 1000 WHERE seq IN (2, 3);"
            "UPDATE audit_event SET seq = seq - 1000 WHERE seq > 1000",
            "reordered",
        ),
    ],
)
def test_tampering_is_detected(app, tamper, expected):
    _append(app, 4)
    with app.app_context():
        s = db_session()
        _drop_append_only_guard(s)
        for statement in tamper.split(";"):
            s.execute(text(statement))
        report = audit.verify(s)
    assert not report.ok
    assert any(expected in p.problem for p in report.problems), report.problems


def test_cli_verify_fails_on_a_broken_chain(app):
    _append(app, 3)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0
    with app.app_context():
        s = db_session()
        _drop_append_only_guard(s)
        s.execute(text("UPDATE audit_event SET action = 'x' WHERE seq = 1"))
        s.commit()
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 1" in result.output and "BROKEN" in result.output


@pytest.mark.parametrize(
    ("detail", "stored"),
    [
        ({"id_number": "11010519491231002x"}, '{"id_number":"110105********002X"}'),
        ({"note": "身份证 110105194912310021 已核验"}, '{"note":"身份证 110105********0021 已核验"}'),
    ],
)
def test_id_numbers_in_a_detail_are_masked(detail, stored):
    assert canonical_detail(detail) == stored


def test_detail_refuses_bulk():
    with pytest.raises(AuditDetailError):
        canonical_detail({"big": "x" * 3000})


def test_detail_allows_ordinary_numbers():
    assert canonical_detail({"class": 12, "phone_tail": "1234", "count": 123456789}) == (
        '{"class":12,"count":123456789,"phone_tail":"1234"}'
    )


def test_chain_stays_valid_under_concurrent_writers(tmp_path, database_url):
    """Several threads, each its own connection, append at once; every append lands in one chain."""
    base = None if database_url.startswith("sqlite") else database_url.split("?")[0]
    url, drop = scratch_database(tmp_path, base)
    engine = make_engine(url, pool_size=8) if base else make_engine(url)
    try:
        upgrade_database(engine)
        writers, per_writer, errors = 6, 15, []

        def write(worker: int) -> None:
            try:
                for i in range(per_writer):
                    with Session(engine) as s:
                        audit.record(s, Actor(None, f"w{worker}"), "test.concurrent", "thing", i)
                        s.commit()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with Session(engine) as s:
            report = audit.verify(s)
            assert report.ok, report.problems
            assert report.entries == writers * per_writer
            assert (
                s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
                == writers * per_writer
            )
    finally:
        engine.dispose()
        drop()
