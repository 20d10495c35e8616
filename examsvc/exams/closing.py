"""Four eyes, lock, publish. Functions flush and never commit.

Every sheet (and every absence) is confirmed by a second assigned proctor, not the one who entered
it; then the sitting is locked, and only an officer publishes its results. A published failure or
absence opens the one retake; see attempts.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..classes import service as classes
from ..classes.models import Enrollment
from ..core.msgid import N_
from .errors import ResultError
from .lifecycle import Act, gate
from .models import Attempt, Sitting
from .results import _guard, attempt_of, entry_values
from .roster import sitting_roster
from .service import is_assigned
from .signals import results_published


def confirm(
    session: Session,
    actor: Actor,
    user: User,
    sitting: Sitting,
    enrollment: Enrollment,
    seen_version: int | None,
    now: datetime,
) -> Attempt:
    """The second proctor confirms the entry exactly as it was shown to them (`seen_version`):
    an entry changed since is refused, never confirmed unseen."""
    _guard(session, sitting, user, enrollment, Act.CONFIRM, now)
    attempt = attempt_of(session, sitting, enrollment)
    if attempt is None or (attempt.presence == "present" and attempt.score_tenths is None):
        raise ResultError(N_("There is nothing to confirm yet for this candidate."))
    if attempt.entered_by == user.id:
        raise ResultError(N_("A second proctor confirms: not the one who entered it."), status=409)
    if seen_version != attempt.version:
        raise ResultError(
            N_("This entry changed after you looked at it: check the new value, then confirm."), status=409
        )
    attempt.confirmed_by = user.id
    session.flush()  # bumps the version: the confirmation binds the value it saw, recorded below
    record(
        session,
        actor,
        "attempt.confirm",
        "attempt",
        attempt.id,
        {**entry_values(attempt), "seen": seen_version},
    )
    return attempt


def _open_items(session: Session, sitting: Sitting) -> list[str]:
    return [
        c.enrollment.trainee.name
        for c in sitting_roster(session, sitting)
        if c.attempt is None or c.attempt.confirmed_by is None
    ]


def lock(session: Session, actor: Actor, user: User, sitting: Sitting, now: datetime) -> Sitting:
    if not is_assigned(session, sitting, user):
        raise ResultError(N_("You are not assigned to this sitting."), status=404)
    gate(sitting, Act.LOCK, now)
    missing = _open_items(session, sitting)
    if missing:
        raise ResultError(
            N_("Not yet confirmed by a second proctor: %(names)s"), names="、".join(missing[:10])
        )
    sitting.status = "locked"
    session.flush()
    record(session, actor, "sitting.lock", "sitting", sitting.id)
    return sitting


def publish(session: Session, actor: Actor, sitting: Sitting, now: datetime) -> Sitting:
    gate(sitting, Act.PUBLISH, now)
    sitting.status = "published"
    session.flush()
    training_class = sitting.training_class
    if sitting.kind == "first" and training_class.status == "exam_scheduled":
        classes.advance(session, actor, training_class, "mark_examined")
    record(session, actor, "sitting.publish", "sitting", sitting.id, counts(session, sitting).__dict__)
    results_published.send(sitting, session=session, actor=actor)  # certificates follow, same transaction
    return sitting


@dataclass(frozen=True)
class Counts:
    """What an institution may see of its class's results: numbers, never answers."""

    present: int = 0
    absent: int = 0
    passed: int = 0
    failed: int = 0


def _tally(attempts) -> Counts:  # type: ignore[no-untyped-def]
    tally: Counter[str] = Counter()
    for a in attempts:
        if a.presence != "present":
            tally["absent"] += 1
            continue
        tally["present"] += 1
        tally["passed" if a.passed else "failed"] += 1
    return Counts(**tally)


def counts(session: Session, sitting: Sitting) -> Counts:
    """Everyone examined at this sitting, candidates moved in from other classes included."""
    return _tally(session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)))


def class_counts(session: Session, class_id: int) -> list[tuple[str, Counts]]:
    """The published results of one class's own candidates, per kind of sitting, wherever they sat
    (a candidate moved to another class's sitting counts with their own class, and only there)."""
    published = session.scalars(
        select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Enrollment.class_id == class_id, Sitting.status == "published")
    ).all()
    kinds = [k for k in ("first", "retake") if any(a.kind == k for a in published)]
    return [(k, _tally(a for a in published if a.kind == k)) for k in kinds]
