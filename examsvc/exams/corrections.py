"""Changing a result once the sitting is locked: one officer asks, with a reason; a second officer
approves or rejects, with a reason. Nobody changes a locked or published result alone, and the
database refuses a decision by the officer who asked. Old and new values are in the audit trail.
Functions flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..core.db import utcnow
from ..core.msgid import N_
from ..questions.cipher import BankCipher
from .errors import ResultError
from .lifecycle import Act, gate
from .models import Attempt, CorrectionRequest, Sitting
from .results import entry_values, mark_entry

PRESENCES = {"present", "absent", "refused"}


@dataclass(frozen=True)
class Change:
    """What the asking officer wants the result to be."""

    presence: str
    seat_no: int | None
    typed: str  # the answer sheet, or the total where the sitting is marked by hand


def _apply(
    session: Session, cipher: BankCipher, sitting: Sitting, attempt: Attempt, change: Change, now: datetime
) -> None:
    """Set the attempt to `change`, graded as a proctor's entry would be; refuses what a proctor's
    entry would refuse (a bad sheet, a taken seat)."""
    if change.presence not in PRESENCES:
        raise ResultError(N_("Mark the candidate present, absent or identity refused."))
    if change.presence == "present":
        if change.seat_no is None:
            raise ResultError(N_("Check the candidate in with a seat number first."))
        clash = session.scalar(
            select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.seat_no == change.seat_no)
        )
        if clash is not None and clash != attempt.id:
            raise ResultError(
                N_("Seat %(seat)d is already taken by another candidate."), status=409, seat=change.seat_no
            )
        attempt.presence, attempt.seat_no = change.presence, change.seat_no
        mark_entry(session, cipher, sitting, attempt, change.typed, now)
    else:
        attempt.presence, attempt.seat_no = change.presence, None
        attempt.answers = attempt.score_tenths = attempt.passed = None


def _reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ResultError(message)
    return reason.strip()[:300]


def pending_for(session: Session, attempt: Attempt) -> CorrectionRequest | None:
    return session.scalar(
        select(CorrectionRequest).where(
            CorrectionRequest.attempt_id == attempt.id, CorrectionRequest.status == "pending"
        )
    )


def request_correction(
    session: Session,
    actor: Actor,
    user: User,
    cipher: BankCipher,
    sitting: Sitting,
    attempt: Attempt,
    change: Change,
    reason: str,
    seen_version: int | None,
    now: datetime,
) -> CorrectionRequest:
    """Ask for a correction. The change is checked now (a sheet that would be refused is refused
    here) and previewed in the audit trail; nothing changes until a second officer approves."""
    gate(sitting, Act.CORRECT, now)
    why = _reason(reason, N_("A correction needs its reason."))
    if attempt.sitting_id != sitting.id:
        raise ResultError(N_("This candidate is not on this sitting's roster."), status=404)
    if seen_version != attempt.version:
        raise ResultError(N_("This result changed after you looked at it: reload and check it."), status=409)
    if pending_for(session, attempt) is not None:
        raise ResultError(N_("A correction of this result already waits for a second officer."), status=409)
    preview = Attempt(presence=attempt.presence, seat_no=attempt.seat_no, sitting_id=sitting.id)
    preview.id = attempt.id  # only for the seat check: the preview is never added to the session
    _apply(session, cipher, sitting, preview, change, now)
    request = CorrectionRequest(
        attempt_id=attempt.id,
        attempt_version=attempt.version,
        presence=change.presence,
        seat_no=change.seat_no if change.presence == "present" else None,
        typed=change.typed.strip()[:1000],
        reason=why,
        requested_by=user.id,
    )
    session.add(request)
    session.flush()
    after = {**entry_values(preview), "passed": preview.passed}
    record(
        session,
        actor,
        "attempt.correction_requested",
        "attempt",
        attempt.id,
        {"request": request.id, "before": _values(attempt), "after": after, "reason": why},
    )
    return request


def _values(attempt: Attempt) -> dict[str, object]:
    return {**entry_values(attempt), "passed": attempt.passed}


def _undecided(request: CorrectionRequest, user: User) -> None:
    if request.status != "pending":
        raise ResultError(N_("This correction has already been decided."), status=409)
    if request.requested_by == user.id:
        raise ResultError(
            N_("A second officer decides: not the one who asked for the correction."), status=403
        )


def _decide(request: CorrectionRequest, user: User, status: str, why: str) -> None:
    request.status, request.decided_by, request.decided_at, request.decision_reason = (
        status,
        user.id,
        utcnow(),
        why,
    )


def approve(
    session: Session,
    actor: Actor,
    user: User,
    cipher: BankCipher,
    sitting: Sitting,
    request: CorrectionRequest,
    reason: str,
    now: datetime,
) -> Attempt:
    """The second officer's approval applies the correction, exactly as asked and only to the result
    the asking officer saw."""
    gate(sitting, Act.CORRECT, now)
    _undecided(request, user)
    why = _reason(reason, N_("An approval needs its reason."))
    attempt = request.attempt
    if attempt.version != request.attempt_version:
        raise ResultError(N_("The result changed since the correction was asked for: reject it."), status=409)
    before = _values(attempt)
    change = Change(request.presence, request.seat_no, request.typed)
    _apply(session, cipher, sitting, attempt, change, now)
    attempt.updated_at = utcnow()
    sitting.suspicious_pairs = None  # the answer-pattern check looks again
    _decide(request, user, "approved", why)
    session.flush()
    record(
        session,
        actor,
        "attempt.correct",
        "attempt",
        attempt.id,
        {
            "request": request.id,
            "asked_by": request.requested_by,
            "before": before,
            "after": _values(attempt),
            "reason": request.reason,
            "approval": why,
        },
    )
    return attempt


def reject(
    session: Session, actor: Actor, user: User, sitting: Sitting, request: CorrectionRequest, reason: str
) -> CorrectionRequest:
    _undecided(request, user)
    why = _reason(reason, N_("A rejection needs its reason."))
    _decide(request, user, "rejected", why)
    session.flush()
    record(
        session,
        actor,
        "attempt.correction_rejected",
        "attempt",
        request.attempt_id,
        {"request": request.id, "reason": why},
    )
    return request
