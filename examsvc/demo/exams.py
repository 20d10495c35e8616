"""Demo exam day: a sitting ready for check-in, and one with published results and retake candidates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..auth.models import User
from ..certificates.models import Certificate
from ..certificates.service import revoke
from ..classes import photos
from ..classes.models import Enrollment, TrainingClass
from ..core.config import Config
from ..core.db import utcnow
from ..core.keyring import Keyring
from ..exams import closing, results, tickets
from ..exams import service as sittings
from ..exams.grading import key_sheet, paper_seat_key
from ..exams.roster import sitting_roster
from ..papers.composition import seed_of
from ..papers.service import generate_paper, open_paper_for_grading
from ..questions.cipher import BankCipher
from .portraits import portrait


def _schedule(session: Session, actor: Actor, training_class: TrainingClass, starts, config: Config):  # type: ignore[no-untyped-def]
    """The sitting as the office scheduled it, a week before it starts (the scene tells its past)."""
    data = sittings.SittingInput("first", training_class.venue, training_class.venue_county_code, starts, 90)
    week_before = starts - timedelta(days=7)
    sitting = sittings.schedule(session, actor, training_class, data, config, week_before)
    proctors = list(
        session.scalars(select(User.id).where(User.role == "proctor", User.org_id == _county(session)))
    )
    sittings.assign(session, actor, sitting, proctors, config, week_before)
    tickets.issue(session, actor, sitting, starts - timedelta(days=1))  # handed out the day before
    return sitting


def _roster_photos(session: Session, keyring: Keyring, actor: Actor, training_class: TrainingClass) -> None:
    """Stand-in photos for all but the last trainee (who shows what "no photo sent" looks like)."""
    people = session.scalars(
        select(Enrollment).where(Enrollment.class_id == training_class.id).order_by(Enrollment.id)
    ).all()
    for enrollment in people[:-1]:
        jpeg = portrait(enrollment.trainee.id_hash)
        photos.store(session, keyring, actor, enrollment, None, jpeg, None, training_class.created_at)


def _county(session: Session) -> int:
    return session.scalar(select(User.org_id).where(User.username == "proctor"))


def load_demo_exam_day(
    session: Session, keyring: Keyring, config: Config, actor: Actor, classes: list
) -> None:  # type: ignore[type-arg]
    """`classes` are the demo classes just created: the approved ones get a paper and sittings."""
    approved = [c for c in classes if c.status == "approved"]
    if len(approved) < 3:
        return
    sealed, ready, done = approved[0], approved[1], approved[2]
    cipher = BankCipher(session, keyring)
    now = utcnow().replace(second=0, microsecond=0)
    generate_paper(session, actor, cipher, sealed, "first", config)  # sealed: no sitting yet

    generate_paper(session, actor, cipher, ready, "first", config)
    _roster_photos(session, keyring, actor, ready)
    _schedule(session, actor, ready, now - timedelta(minutes=30), config)  # under way: ready for check-in

    yesterday = now - timedelta(days=1)
    paper = generate_paper(session, actor, cipher, done, "first", config)
    sitting = _schedule(session, actor, done, yesterday, config)
    sit_and_lock(session, actor, cipher, sitting, paper, lambda seat, n: _outcome(seat, n), keyring)
    closing.publish(session, actor, sitting, yesterday + timedelta(hours=3))  # certificates follow
    first = session.scalar(
        select(Certificate).where(Certificate.class_id == done.id).order_by(Certificate.id)
    )
    officer = session.scalar(select(User).where(User.username == "officer"))
    revoke(session, actor, officer, first, "演示：核查发现该学员培训签到由他人代签，证书撤销。")


def _outcome(seat: int, roster_size: int) -> str:
    """The demo's published sitting: all pass but the last five (three fail, two absent)."""
    if seat <= roster_size - 5:
        return "pass"
    return "fail" if seat <= roster_size - 2 else "absent"


def sit_and_lock(  # type: ignore[no-untyped-def]
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    sitting,
    paper,
    outcome,
    keyring: Keyring | None = None,
) -> None:
    """Runs a whole sitting as its proctors would: `outcome(seat, roster size)` says pass, fail or
    absent for each candidate; every entry is confirmed by the second proctor; the sitting is locked,
    all during the sitting's own hour. With `keyring`, each candidate present is photographed."""
    now = sitting.starts_at + timedelta(minutes=20)
    entering = session.scalar(select(User).where(User.username == "proctor"))
    confirming = session.scalar(select(User).where(User.username == "proctor2"))
    payload = open_paper_for_grading(cipher, paper, now)
    roster = [candidate.enrollment for candidate in sitting_roster(session, sitting)]
    seats = {e: t.seat_no for e, t in tickets.existing(session, sitting).items()}
    for order, enrollment in enumerate(roster, start=1):
        seat = seats.get(enrollment.id, order)  # where the admission ticket seated them
        result = outcome(seat, len(roster))
        attempt = results.check_in(
            session,
            actor,
            entering,
            sitting,
            enrollment,
            "absent" if result == "absent" else "present",
            None if result == "absent" else seat,
            None,
            now,
        )
        if result != "absent" and keyring is not None:
            jpeg = portrait(enrollment.trainee.id_hash)
            results.take_photo(session, keyring, actor, entering, sitting, enrollment, jpeg, now)
        if result != "absent":
            key = paper_seat_key(payload, seed_of(payload, paper.seed), seat)
            sheet = key_sheet(key) if result == "pass" else " ".join(["-"] * len(key.items))
            results.enter_result(
                session,
                actor,
                entering,
                cipher,
                sitting,
                enrollment,
                sheet,
                attempt.version,
                now,
            )
        closing.confirm(session, actor, confirming, sitting, enrollment, attempt.version, now)
    closing.lock(session, actor, entering, sitting, now)
