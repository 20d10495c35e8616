"""Every role at once, through the HTTP layer, while the clock moves across a sitting's times.

A Hypothesis state machine interleaves what two officers, two proctors, an institution and an
anonymous verifier can do to one class: schedule, move and cancel its sitting, print its paper,
check in, save sheets, confirm (as seen, or stale), lock, publish, ask for and decide corrections,
verify certificates. After every step it checks the promises of docs/integrity.md from the database
and from what each actor was shown. CI runs a fixed, derandomised budget on SQLite and PostgreSQL;
EXAMSVC_STATEFUL_SOAK=<examples> runs a long random soak.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session

from .conftest import World
from .helpers import Client
from .integrity_machine import exam_machine
from .stored import committed_database

SOAK = int(os.environ.get("EXAMSVC_STATEFUL_SOAK", "0"))
BUDGET = settings(
    max_examples=SOAK or 60,
    stateful_step_count=30,
    derandomize=not SOAK,  # CI: the same walk each run; a soak explores
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def committed(tmp_path):  # type: ignore[no-untyped-def]
    """A database of its own with real commits: a whole walk in one rolled-back transaction would
    hold a lock per savepoint until its end, past PostgreSQL's lock table."""
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    try:
        world = World(app)
        officer = Client(app)
        world.login(officer, "officer1")
        yield app, world, officer
    finally:
        app.extensions["examsvc.db"].engine.dispose()
        drop()


def test_the_machine_reaches_certificates_and_corrections(committed):
    app, world, officer = committed
    """One scripted walk through the rules, so the random walks below start from rules that work."""
    reached: Counter[str] = Counter()
    exam = exam_machine(app, world, officer, reached)()
    exam.schedule(10)
    exam.the_sitting_begins(1)
    exam.everyone_sits([True, True, False])
    exam.the_proctors_finish()
    exam.publish()
    exam.ask_for_a_correction(2, "pass")
    exam.decide_a_correction(by_the_asker=True, approve=True)
    exam.decide_a_correction(by_the_asker=False, approve=True)
    exam.verify_every_certificate()
    exam.an_appeal_opens_or_closes(0, suspend=True)
    exam.verify_every_certificate()
    exam.an_appeal_opens_or_closes(0, suspend=False)
    exam.an_appeal_opens_or_closes(0, suspend=False)  # not suspended: refused, nothing changes
    exam.verify_every_certificate()
    for check in (
        exam.a_paper_opens_only_with_its_sitting,
        exam.nothing_recorded_before_the_start,
        exam.no_published_result_changes_by_one_person,
        exam.certificates_follow_published_passes,
        exam.every_result_is_where_its_candidate_sits,
    ):
        check()
    assert reached["published"] == 1 and reached["tablet lock 200"] == 1
    assert reached["correction approve by a second officer"] == 1
    assert reached["certificate suspend"] == 1 and reached["certificate reinstate"] == 2
    with app.app_context():
        assert len(db_session().scalars(select(Certificate)).all()) == 3  # the corrected sheet passes too


def test_the_machine_moves_a_candidate_and_no_result_moves_with_them(committed):
    """A scripted walk through a move: before the start it is allowed, after a check-in refused."""
    app, world, officer = committed
    reached: Counter[str] = Counter()
    exam = exam_machine(app, world, officer, reached)()
    exam.schedule(10)
    exam.move_someone_elsewhere(0)
    exam.the_sitting_begins(1)
    exam.everyone_sits([True, True, True])  # the one who left is no longer on this sitting's roster
    exam.move_someone_elsewhere(1)  # checked in already: refused
    exam.every_result_is_where_its_candidate_sits()
    assert reached["move 302"] == 1 and reached["move 422"] == 1
    assert reached["tablet check-in 404"] == 1 and reached["tablet check-in 200"] == 2


def test_the_promises_hold_whatever_the_roles_do_and_whenever(committed):
    app, world, officer = committed
    reached: Counter[str] = Counter()  # how deep the walks go: a budget that reaches nothing proves nothing
    run_state_machine_as_test(exam_machine(app, world, officer, reached), settings=BUDGET)
    print(sorted(reached.items()))


def test_the_machine_reads_a_photographed_sheet_once_and_never_before_the_start(committed):
    app, world, officer = committed
    reached: Counter[str] = Counter()
    exam = exam_machine(app, world, officer, reached)()
    exam.schedule(10)
    exam.photograph_a_sheet(0, right=True)  # the sitting has not started: refused
    exam.the_sitting_begins(1)
    exam.check_in(0, "present", 1)
    exam.photograph_a_sheet(0, right=True)
    exam.photograph_a_sheet(0, right=False)  # the same seat again: kept aside, never a second result
    exam.one_sheet_reading_a_seat_and_none_before_the_start()
    assert reached["tablet scans 409"] == 1 and reached["tablet scans 200"] == 2
    assert exam.attempt(exam.people[0]).passed is True
