"""Check-in and result entry on the proctor's tablet. Functions flush and never commit.

A result is graded on the server against the sealed key of the candidate's seat variant; the
proctor never sees the key. Every entry carries an idempotency key (a replay gets the stored
outcome, another body under the same key is refused) and the attempt's version (a stale edit is
refused with 409 instead of overwriting someone else's entry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..classes.models import Enrollment
from ..db import utcnow
from ..msgid import N_, RuleError
from ..papers.models import Paper
from ..papers.service import open_paper_for_grading, spec_from_json
from ..papers.variants import seat_variant
from ..questions.cipher import BankCipher
from .attempts import Attempt as AttemptFact
from .attempts import may_sit
from .grading import Marking, grade, parse_sheet, seat_key
from .models import Attempt, IdempotencyRecord, Sitting
from .service import is_assigned


class ResultError(RuleError):
    """A check-in or a result is refused; `status` is the HTTP status a tablet should get."""

    def __init__(
        self, message: str, status: int = 422, problems: list | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.status = status
        self.problems = problems or []


def _guard(session: Session, sitting: Sitting, user: User, enrollment: Enrollment) -> None:
    if not is_assigned(session, sitting, user):
        raise ResultError(N_("You are not assigned to this sitting."), status=404)
    if enrollment.class_id != sitting.class_id:
        raise ResultError(N_("This candidate is not on this sitting's roster."), status=404)
    if sitting.status != "scheduled":
        raise ResultError(N_("The sitting is locked: a correction needs an officer."), status=409)


def published_facts(session: Session, enrollment: Enrollment) -> list[AttemptFact]:
    rows = session.execute(
        select(Attempt, Sitting.status)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Attempt.enrollment_id == enrollment.id)
    ).all()
    facts = []
    for attempt, status in rows:
        if status != "published":
            continue
        outcome = "absent" if attempt.presence != "present" else ("passed" if attempt.passed else "failed")
        facts.append(AttemptFact(attempt.kind, outcome))
    return facts


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
) -> Attempt:
    _guard(session, sitting, user, enrollment)
    if presence not in {"present", "absent", "refused"}:
        raise ResultError(N_("Mark the candidate present, absent or identity refused."))
    attempt = attempt_of(session, sitting, enrollment)
    if attempt is None and not may_sit(published_facts(session, enrollment), sitting.kind):
        raise ResultError(N_("This candidate may not sit this sitting (one retake only)."), status=409)
    paper = session.scalar(
        select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
    )
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
    record(session, actor, "attempt.check_in", "attempt", attempt.id, {"presence": presence, "seat": seat_no})
    return attempt


@dataclass(frozen=True)
class Entry:
    attempt_id: int
    score_tenths: int
    passed: bool
    version: int

    def as_json(self) -> dict[str, object]:
        return {
            "attempt": self.attempt_id,
            "score": self.score_tenths / 10,
            "passed": self.passed,
            "version": self.version,
        }


def _body_hash(body: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _body(sitting: Sitting, enrollment: Enrollment, typed: str, expected_version: int) -> dict[str, object]:
    return {"sitting": sitting.id, "enrollment": enrollment.id, "answers": typed, "version": expected_version}


def body_hash_of(sitting: Sitting, enrollment: Enrollment, values) -> str:  # type: ignore[no-untyped-def]
    return _body_hash(
        _body(sitting, enrollment, str(values.get("answers", "")), int(values.get("version") or 0))
    )


def stored_outcome(session: Session, key: str) -> dict[str, object] | None:
    stored = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
    if stored is None:
        return None
    return {"body_hash": stored.body_hash, "response": json.loads(stored.response)}


def mark_sheet(session: Session, cipher: BankCipher, sitting: Sitting, attempt: Attempt, typed: str) -> None:
    """Grade the typed sheet against the key of the attempt's seat and store answers and score."""
    paper = session.scalar(
        select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
    )
    payload = open_paper_for_grading(cipher, paper, utcnow())
    questions = payload["questions"]
    variant = seat_variant(
        paper.seed,
        payload["class"],
        payload["sitting"],
        attempt.seat_no,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options") or {})) for q in questions],
    )
    key = seat_key(questions, variant)
    answers, problems = parse_sheet(typed, key)
    if problems:
        raise ResultError(
            N_("The answer sheet has %(count)d problem(s)."), problems=problems, count=len(problems)
        )
    result = grade(answers, key, Marking())
    attempt.answers = " ".join(typed.split())
    attempt.score_tenths = result.score_tenths
    attempt.passed = result.score_tenths >= spec_from_json(paper.spec).pass_mark * 10


def enter_result(
    session: Session,
    actor: Actor,
    user: User,
    cipher: BankCipher,
    sitting: Sitting,
    enrollment: Enrollment,
    typed: str,
    expected_version: int,
    idempotency_key: str,
) -> dict[str, object]:
    """Grades the typed sheet and stores it once; replays under the same key return the same outcome."""
    body = _body(sitting, enrollment, typed, expected_version)
    stored = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == idempotency_key))
    if stored is not None:
        if stored.body_hash != _body_hash(body) or stored.user_id != user.id:
            raise ResultError(N_("This submission key was already used for something else."), status=422)
        return json.loads(stored.response)
    _guard(session, sitting, user, enrollment)
    attempt = attempt_of(session, sitting, enrollment)
    if attempt is None or attempt.presence != "present" or attempt.seat_no is None:
        raise ResultError(N_("Check the candidate in with a seat number first."))
    if attempt.version != expected_version:
        # A duplicate of this very submission may have committed since we looked for its key.
        again = stored_outcome(session, idempotency_key)
        if again is not None and again["body_hash"] == _body_hash(body):
            return again["response"]
        raise ResultError(N_("Someone else changed this entry meanwhile: reload and check it."), status=409)
    mark_sheet(session, cipher, sitting, attempt, typed)
    attempt.entered_by, attempt.confirmed_by, attempt.updated_at = user.id, None, utcnow()
    session.flush()  # bumps the version
    response = Entry(attempt.id, attempt.score_tenths, bool(attempt.passed), attempt.version).as_json()
    session.add(
        IdempotencyRecord(
            key=idempotency_key[:64],
            user_id=user.id,
            body_hash=_body_hash(body),
            response=json.dumps(response),
        )
    )
    session.flush()  # a concurrent duplicate under the same key fails here on the unique key
    record(session, actor, "attempt.result", "attempt", attempt.id, {"score": response["score"]})
    return response
