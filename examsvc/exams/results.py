"""Check-in and result entry on the proctor's tablet. Functions flush and never commit.

A result is graded on the server against the sealed key of the candidate's seat variant (or, where
the sitting is marked by hand, is the typed total); the proctor never sees the key. Every entry
names the attempt's version it was made against: a stale edit is refused with 409 instead of
overwriting someone else's. Replays are answered by submissions.py before these functions run.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..classes import photos
from ..classes.models import OPEN_STATUSES, CandidatePhoto, Enrollment
from ..core.db import utcnow
from ..core.keyring import Keyring
from ..core.msgid import N_
from ..papers.composition import seed_of
from ..papers.service import PaperSealed, count_use, open_paper_for_grading, spec_from_json
from ..questions.cipher import BankCipher
from .errors import ResultError
from .grading import Marking, grade, paper_seat_key, parse_sheet
from .lifecycle import Act, Phase, gate, phase_of
from .models import Attempt, Sitting
from .roster import on_roster, placement, published_facts, refusal
from .service import is_assigned, paper_of


def _guard(
    session: Session, sitting: Sitting, user: User, enrollment: Enrollment, act: Act, now: datetime
) -> Attempt | None:
    """The checks of every entry; the candidate's attempt of this kind (None: not checked in)."""
    if not is_assigned(session, sitting, user):
        raise ResultError(N_("You are not assigned to this sitting."), status=404)
    attempt = attempt_of(session, sitting, enrollment)
    if attempt is None:  # not entered anywhere: on the roster where placed
        placed = placement(session, enrollment, sitting.kind)
        listed = placed is not None and placed.id == sitting.id
    else:
        listed = attempt.sitting_id == sitting.id or on_roster(session, sitting, enrollment)
    if not listed:
        raise ResultError(N_("This candidate is not on this sitting's roster."), status=404)
    gate(sitting, act, now)
    return attempt


def take_photo(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    user: User,
    sitting: Sitting,
    enrollment: Enrollment,
    jpeg: bytes,
    now: datetime,
) -> CandidatePhoto:
    """The candidate's photo at check-in: by a proctor of the sitting, for a candidate on its roster,
    while check-in is open, as every entry; a second photo replaces the first."""
    _guard(session, sitting, user, enrollment, Act.CHECK_IN, now)
    return photos.store(session, keyring, actor, enrollment, sitting.id, jpeg, user.id, now)


def send_roster_photo(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    user: User,
    enrollment: Enrollment,
    jpeg: bytes,
    now: datetime,
) -> CandidatePhoto:
    """The institution's photo of a trainee, until the trainee's exam: once they are checked in
    anywhere or their sitting has started, the proctor has compared the face with it, so it is
    evidence and no longer the institution's to change."""
    sitting = placement(session, enrollment, "first")
    started = sitting is not None and phase_of(sitting, now) in {
        Phase.OPEN,
        Phase.CLOSED,
        Phase.LOCKED,
        Phase.PUBLISHED,
    }
    checked_in = session.scalar(select(Attempt.id).where(Attempt.enrollment_id == enrollment.id))
    if enrollment.training_class.status not in OPEN_STATUSES or started or checked_in is not None:
        raise ResultError(N_("Photos can be changed only until the class's exams."), status=409)
    return photos.store(session, keyring, actor, enrollment, None, jpeg, user.id, now)


def attempt_of(session: Session, sitting: Sitting, enrollment: Enrollment) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.enrollment_id == enrollment.id, Attempt.kind == sitting.kind)
    )


def check_in(
    session: Session,
    actor: Actor,
    user: User,
    sitting: Sitting,
    enrollment: Enrollment,
    presence: str,
    seat_no: int | None,
    expected_version: int | None,
    now: datetime,
) -> Attempt:
    """Record presence and seat. `expected_version`: the attempt as the tablet last saw it (0: none)."""
    attempt = _guard(session, sitting, user, enrollment, Act.CHECK_IN, now)
    if presence not in {"present", "absent", "refused"}:
        raise ResultError(N_("Mark the candidate present, absent or identity refused."))
    if expected_version is not None and expected_version != (attempt.version if attempt else 0):
        raise ResultError(N_("Someone else changed this entry meanwhile: reload and check it."), status=409)
    if attempt is None:
        facts = published_facts(session, enrollment.class_id, enrollment.id).get(enrollment.id, [])
        refused = refusal(sitting, enrollment, facts)
        if refused:
            raise ResultError(refused, status=409)
    paper = paper_of(session, sitting)
    if presence == "present":
        if seat_no is None or paper is None or not 1 <= seat_no <= paper.seats:
            raise ResultError(
                N_("Enter the seat number printed on the candidate's paper (1 to %(seats)d)."),
                seats=paper.seats if paper else 0,
            )
        taken = session.scalar(
            select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.seat_no == seat_no)
        )
        if taken is not None and (attempt is None or taken != attempt.id):
            raise ResultError(
                N_("Seat %(seat)d is already taken by another candidate."), status=409, seat=seat_no
            )
    else:
        seat_no = None
    if attempt is None:
        attempt = Attempt(
            enrollment_id=enrollment.id,
            sitting_id=sitting.id,
            kind=sitting.kind,
            presence=presence,
            seat_no=seat_no,
            entered_by=user.id,
        )
        session.add(attempt)
    else:
        attempt.presence, attempt.seat_no = presence, seat_no
        attempt.entered_by, attempt.confirmed_by = user.id, None  # a change needs a new confirmation
        if presence != "present":
            attempt.answers = attempt.score_tenths = attempt.passed = None
        attempt.updated_at = utcnow()
    session.flush()
    record(session, actor, "attempt.check_in", "attempt", attempt.id, entry_values(attempt))
    return attempt


def entry_values(attempt: Attempt) -> dict[str, object]:
    """What an audit entry of a save or a confirmation binds: the version and the value as typed."""
    score = None if attempt.score_tenths is None else attempt.score_tenths / 10
    return {
        "version": attempt.version,
        "presence": attempt.presence,
        "seat": attempt.seat_no,
        "answers": attempt.answers,
        "score": score,
    }


def typed_entry(sitting: Sitting, values) -> str:  # type: ignore[no-untyped-def]
    """What the proctor typed: the answer sheet, or the total where the sitting is marked by hand."""
    return str(values.get("score" if sitting.marking == "score" else "answers", "")).strip()


def mark_sheet(
    session: Session, cipher: BankCipher, sitting: Sitting, attempt: Attempt, typed: str, now: datetime
) -> None:
    """Grade the typed sheet against the key of the attempt's seat and store answers and score."""
    paper = paper_of(session, sitting)
    try:
        payload = open_paper_for_grading(cipher, paper, now)
    except PaperSealed as exc:  # a paper re-sealed by a reschedule: a refusal, never a server error
        raise ResultError(str(exc), status=409, **exc.params) from exc
    count_use(session, paper, payload)  # opened after its release: its questions count as used
    key = paper_seat_key(payload, seed_of(payload, paper.seed), attempt.seat_no)
    answers, problems = parse_sheet(typed, key)
    if problems:
        raise ResultError(
            N_("The answer sheet has %(count)d problem(s)."), problems=problems, count=len(problems)
        )
    spec = spec_from_json(paper.spec)
    result = grade(answers, key, Marking(partial_credit_percent=spec.partial_credit_percent))
    attempt.answers = " ".join(typed.split())
    attempt.score_tenths = result.score_tenths
    attempt.passed = result.score_tenths >= spec.pass_mark * 10


SCORE = re.compile(r"^\d{1,4}(?:[.．]\d)?$")


def mark_score(session: Session, sitting: Sitting, attempt: Attempt, typed: str) -> None:
    """Store a total marked by hand (the officer chose manual marking for this sitting)."""
    paper = paper_of(session, sitting)
    spec = spec_from_json(paper.spec)
    tenths = round(float(typed.replace("．", ".")) * 10) if SCORE.match(typed) else None
    if tenths is None or tenths > spec.full_mark * 10:
        raise ResultError(
            N_("Enter the total score: a number from 0 to %(full)d, with at most one decimal."),
            full=spec.full_mark,
        )
    attempt.answers = None
    attempt.score_tenths = tenths
    attempt.passed = tenths >= spec.pass_mark * 10


def mark_entry(
    session: Session, cipher: BankCipher, sitting: Sitting, attempt: Attempt, typed: str, now: datetime
) -> None:
    if sitting.marking == "score":
        mark_score(session, sitting, attempt, typed)
    else:
        mark_sheet(session, cipher, sitting, attempt, typed, now)


def enter_result(
    session: Session,
    actor: Actor,
    user: User,
    cipher: BankCipher,
    sitting: Sitting,
    enrollment: Enrollment,
    typed: str,
    expected_version: int,
    now: datetime,
) -> dict[str, object]:
    """Grade the typed sheet (or take the typed total) and store it on the candidate's attempt.
    The answer says saved and the new version, never the score: entry is blind."""
    attempt = _guard(session, sitting, user, enrollment, Act.ENTER, now)
    if attempt is None or attempt.presence != "present" or attempt.seat_no is None:
        raise ResultError(N_("Check the candidate in with a seat number first."))
    if attempt.version != expected_version:
        raise ResultError(N_("Someone else changed this entry meanwhile: reload and check it."), status=409)
    mark_entry(session, cipher, sitting, attempt, typed, now)
    attempt.entered_by, attempt.confirmed_by, attempt.updated_at = user.id, None, utcnow()
    session.flush()  # bumps the version
    record(session, actor, "attempt.result", "attempt", attempt.id, entry_values(attempt))
    return {"attempt": attempt.id, "version": attempt.version, "state": "saved"}
