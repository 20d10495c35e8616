"""A person's identity is the bureau's: a roster that names someone differently asks, an officer
decides with the evidence recorded. Functions flush and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.db import utcnow
from ..core.msgid import N_, RuleError
from .models import IdentityChange, Trainee


def ask_for_name(
    session: Session, actor: Actor, trainee: Trainee, name: str, source: str
) -> IdentityChange | None:
    """A pending change of the registered name (None when it is the same name, or already asked)."""
    name = name.strip()
    if name == trainee.name:
        return None
    asked = session.scalar(
        select(IdentityChange).where(
            IdentityChange.trainee_id == trainee.id,
            IdentityChange.field == "name",
            IdentityChange.new_value == name,
            IdentityChange.status == "pending",
        )
    )
    if asked is not None:
        return None
    change = IdentityChange(
        trainee_id=trainee.id, field="name", old_value=trainee.name, new_value=name, source=source[:120]
    )
    session.add(change)
    session.flush()
    record(
        session,
        actor,
        "trainee.identity_asked",
        "trainee",
        trainee.id,
        {"change": change.id, "source": source},
    )
    return change


def pending(session: Session) -> list[IdentityChange]:
    return list(
        session.scalars(
            select(IdentityChange).where(IdentityChange.status == "pending").order_by(IdentityChange.id)
        )
    )


def _decide(
    session: Session, actor: Actor, user_id: int, change: IdentityChange, status: str, evidence: str
) -> None:
    if change.status != "pending":
        raise RuleError(N_("This change has already been decided."))
    evidence = evidence.strip()
    if not evidence:
        raise RuleError(
            N_("Record the evidence you checked (or why the change is refused)."), field="evidence"
        )
    if len(evidence) > 300:
        raise RuleError(N_("Write the evidence in at most 300 characters."), field="evidence")
    change.status, change.decided_by, change.decided_at, change.evidence = (
        status,
        user_id,
        utcnow(),
        evidence,
    )
    session.flush()


def approve(session: Session, actor: Actor, user_id: int, change: IdentityChange, evidence: str) -> Trainee:
    """The registered name becomes the asked one; every later page, certificate and look-up uses it.
    Only from the name the request was made against: a name changed since makes the request stale."""
    if change.trainee.name != change.old_value:
        raise RuleError(
            N_("The name has changed since this request was made (now %(name)s): reject it."),
            name=change.trainee.name,
        )
    _decide(session, actor, user_id, change, "approved", evidence)
    trainee = change.trainee
    old, trainee.name, trainee.updated_at = trainee.name, change.new_value, utcnow()
    session.flush()
    record(
        session,
        actor,
        "trainee.rename",
        "trainee",
        trainee.id,
        {"change": change.id, "from": old, "to": trainee.name, "evidence": change.evidence},
    )
    return trainee


def reject(session: Session, actor: Actor, user_id: int, change: IdentityChange, reason: str) -> None:
    _decide(session, actor, user_id, change, "rejected", reason)
    record(
        session,
        actor,
        "trainee.identity_refused",
        "trainee",
        change.trainee_id,
        {"change": change.id, "reason": change.evidence},
    )
