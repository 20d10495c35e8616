"""Issue 24: what one tablet request costs the database, counted. The sitting page, a check-in and a
sheet save each run a fixed number of statements, whatever the roster's size (no query per row)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .conftest import schedule_sitting
from .paper_helpers import approved_class
from .tablet_helpers import base, enrollments, right_answers


@contextmanager
def counted(app):  # type: ignore[no-untyped-def]
    statements: list[str] = []
    engine = Engine  # every engine: the tests' sessions run on a connection of the test fixture's

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def costs(app, tablet, sitting) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Statements run by: the sitting page, a check-in, a sheet save, and the page again after them."""
    first = enrollments(app, sitting)[0]
    token = tablet.token("/proctor")  # fetched before counting

    def call(path, body):  # type: ignore[no-untyped-def]
        return tablet.raw.post(path, json=body, headers={"X-CSRFToken": token})

    out = {}
    with counted(app) as q:
        assert tablet.get(f"/proctor/sittings/{sitting.id}").status_code == 200
    out["page"] = len(q)
    check_in = {"presence": "present", "seat_no": 1, "idempotency_key": secrets.token_hex(16)}
    with counted(app) as q:
        answer = call(f"{base(sitting, first)}/check-in", check_in)
    assert answer.status_code == 200
    out["check-in"] = len(q)
    sheet = {
        "answers": right_answers(app, sitting, 1),
        "version": answer.get_json()["version"],
        "idempotency_key": secrets.token_hex(16),
    }
    with counted(app) as q:
        assert call(f"{base(sitting, first)}/result", sheet).status_code == 200
    out["sheet"] = len(q)
    with counted(app) as q:
        assert tablet.get(f"/proctor/sittings/{sitting.id}").status_code == 200
    out["page again"] = len(q)
    return out


# Statements per request on SQLite (the tests' savepoint and its release included); PostgreSQL adds
# one to each write, the audit chain's lock. Before issue 24: page 13, check-in 20, sheet save 20.
# The sheet measured is the paper's first: it also counts the paper's questions as used, locking
# their rows in order first (papers.service.count_use), once per paper.
# The page: 2 more since issue 22 (the tickets and which photos exist, one query each).
MOST = {"page": 13, "check-in": 17, "sheet": 18, "page again": 13}


@pytest.mark.parametrize("people", [3, 29])
def test_tablet_requests_run_a_fixed_number_of_statements(app, world, officer, tablet, people):  # type: ignore[no-untyped-def]
    sitting = schedule_sitting(app, officer, approved_class(app, world, "班", people=people), "first")
    found = costs(app, tablet, sitting)
    lock = 1 if app.extensions["examsvc.db"].engine.dialect.name == "postgresql" else 0
    most = {kind: n + (lock if kind in {"check-in", "sheet"} else 0) for kind, n in MOST.items()}
    assert all(found[kind] <= most[kind] for kind in most), (found, most)
