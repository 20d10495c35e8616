"""Who sits a sitting, and where each enrollment stands in the one-retake rule.

A first sitting seats the trainees who completed their training hours; a retake seats only those
whose first sitting was published as failed or absent. An enrollment sits its own class's sitting of
each kind unless an officer moved it to another (its latest SittingMove of that kind says where).
An enrollment's exam state is derived from its published attempts (attempts.state), so there is one
source of truth and nothing to keep in step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..classes.enrol import eligible
from ..classes.models import Enrollment, TrainingClass
from ..core.msgid import N_
from .attempts import Attempt as AttemptFact
from .attempts import may_sit, state
from .models import Attempt, Sitting, SittingMove


@dataclass(frozen=True)
class Candidate:
    enrollment: Enrollment
    attempt: Attempt | None  # at this sitting


def _outcome(attempt: Attempt) -> str:
    if attempt.presence != "present":
        return "absent"
    return "passed" if attempt.passed else "failed"


def published_facts(
    session: Session, class_id: int, enrollment_id: int | None = None
) -> dict[int, list[AttemptFact]]:
    """enrollment id -> its published attempts, for every enrollment of the class (or just one)."""
    facts: dict[int, list[AttemptFact]] = {}
    query = (  # by the enrollment's class: a moved candidate's attempt is at another class's sitting
        select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Enrollment.class_id == class_id, Sitting.status == "published")
    )
    if enrollment_id is not None:
        query = query.where(Attempt.enrollment_id == enrollment_id)
    rows = session.execute(query).scalars()
    for attempt in rows:
        facts.setdefault(attempt.enrollment_id, []).append(AttemptFact(attempt.kind, _outcome(attempt)))
    return facts


def exam_states(session: Session, training_class: TrainingClass) -> dict[int, str]:
    """enrollment id -> awaiting_exam | passed | retake_pending | must_retrain."""
    facts = published_facts(session, training_class.id)
    ids = session.scalars(select(Enrollment.id).where(Enrollment.class_id == training_class.id))
    return {i: state(facts.get(i, [])) for i in ids}


def state_counts(session: Session, training_class: TrainingClass) -> Counter[str]:
    return Counter(exam_states(session, training_class).values())


def refusal(sitting: Sitting, enrollment: Enrollment, facts: list[AttemptFact]) -> str | None:
    """Why this enrollment may not be seated at this sitting (None: it may)."""
    if not may_sit(facts, sitting.kind):
        return N_("This candidate may not sit this sitting (one retake only).")
    if sitting.kind == "first" and not eligible(enrollment.training_class, enrollment):
        return N_("This candidate has not completed the training hours and may not sit the exam.")
    return None


def _latest_moves(session: Session, kind: str, *conditions) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """enrollment id -> the sitting its latest move of this kind leads to."""
    rows = session.execute(
        select(SittingMove.enrollment_id, SittingMove.to_sitting_id)
        .where(SittingMove.kind == kind, *conditions)
        .order_by(SittingMove.id)
    )
    return {enrollment: to for enrollment, to in rows}  # later moves overwrite earlier ones


def placement(session: Session, enrollment: Enrollment, kind: str) -> Sitting | None:
    """The sitting of this kind the enrollment sits: where it was last moved, else its class's own."""
    moved_to = _latest_moves(session, kind, SittingMove.enrollment_id == enrollment.id).get(enrollment.id)
    if moved_to is not None:
        return session.get(Sitting, moved_to)
    return session.scalar(
        select(Sitting).where(Sitting.class_id == enrollment.class_id, Sitting.kind == kind)
    )


def placed_enrollments(session: Session, sitting: Sitting) -> list[Enrollment]:
    """The enrollments placed at this sitting, eligible or not: its class's own that were not moved
    elsewhere, and those moved here from other classes."""
    own = session.scalars(
        select(Enrollment).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
    ).all()
    moves = _latest_moves(
        session,
        sitting.kind,
        SittingMove.enrollment_id.in_([e.id for e in own]) | (SittingMove.to_sitting_id == sitting.id),
    )
    stay = [e for e in own if moves.get(e.id, sitting.id) == sitting.id]
    incoming = [i for i, to in moves.items() if to == sitting.id and i not in {e.id for e in own}]
    if not incoming:
        return stay
    guests = session.scalars(select(Enrollment).where(Enrollment.id.in_(incoming)).order_by(Enrollment.id))
    return stay + list(guests)


def sitting_roster(session: Session, sitting: Sitting) -> list[Candidate]:
    """The candidates of this sitting, in roster order: those entered already, and those placed here
    who may sit."""
    attempts = {
        a.enrollment_id: a for a in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
    }
    placed = placed_enrollments(session, sitting)
    missing = set(attempts) - {e.id for e in placed}  # entered here, then moved (moves refuse that)
    if missing:
        placed += session.scalars(select(Enrollment).where(Enrollment.id.in_(missing))).all()
    facts: dict[int, list[AttemptFact]] = {}
    for class_id in {e.class_id for e in placed}:
        facts.update(published_facts(session, class_id))
    return [
        Candidate(e, attempts.get(e.id))
        for e in placed
        if e.id in attempts or refusal(sitting, e, facts.get(e.id, [])) is None
    ]


def on_roster(session: Session, sitting: Sitting, enrollment: Enrollment) -> bool:
    """Whether a proctor of this sitting may enter anything for this enrollment."""
    entered = session.scalar(
        select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.enrollment_id == enrollment.id)
    )
    if entered is not None:
        return True
    placed = placement(session, enrollment, sitting.kind)
    return placed is not None and placed.id == sitting.id
