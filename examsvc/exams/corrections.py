"""A correction after the sitting is locked: only an officer, only with a reason, old and new values
in the audit trail. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.db import utcnow
from ..core.msgid import N_
from ..questions.cipher import BankCipher
from .models import Attempt, Sitting
from .results import ResultError, mark_entry


def _values(attempt: Attempt) -> dict[str, object]:
    score = None if attempt.score_tenths is None else attempt.score_tenths / 10
    return {"presence": attempt.presence, "seat": attempt.seat_no, "score": score, "answers": attempt.answers}


def correct(
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    sitting: Sitting,
    attempt: Attempt,
    *,
    presence: str,
    seat_no: int | None,
    typed: str,
    reason: str,
) -> Attempt:
    if sitting.status == "scheduled":
        raise ResultError(
            N_("Before the sitting is locked, the proctors enter and confirm results themselves.")
        )
    if not reason.strip():
        raise ResultError(N_("A correction needs its reason."))
    if presence not in {"present", "absent", "refused"}:
        raise ResultError(N_("Mark the candidate present, absent or identity refused."))
    before = _values(attempt)
    if presence == "present":
        if seat_no is None:
            raise ResultError(N_("Check the candidate in with a seat number first."))
        clash = session.scalar(
            select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.seat_no == seat_no)
        )
        if clash is not None and clash != attempt.id:
            raise ResultError(
                N_("Seat %(seat)d is already taken by another candidate."), status=409, seat=seat_no
            )
        attempt.presence, attempt.seat_no = presence, seat_no
        mark_entry(session, cipher, sitting, attempt, typed)
    else:
        attempt.presence, attempt.seat_no = presence, None
        attempt.answers = attempt.score_tenths = attempt.passed = None
    attempt.updated_at = utcnow()
    sitting.suspicious_pairs = None  # the answer-pattern check looks again
    session.flush()
    record(
        session,
        actor,
        "attempt.correct",
        "attempt",
        attempt.id,
        {"before": before, "after": _values(attempt), "reason": reason.strip()[:300]},
    )
    return attempt
