"""Who sits a sitting, and where each enrollment stands in the one-retake rule.

A first sitting seats the trainees who completed their training hours; a retake seats only those
whose first sitting was published as failed or absent. An enrollment's exam state is derived from
its published attempts (attempts.state), so there is one source of truth and nothing to keep in step.
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
from .models import Attempt, Sitting


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
    query = (
        select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Sitting.class_id == class_id, Sitting.status == "published")
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
    if sitting.kind == "first" and not eligible(sitting.training_class, enrollment):
        return N_("This candidate has not completed the training hours and may not sit the exam.")
    return None


def sitting_roster(session: Session, sitting: Sitting) -> list[Candidate]:
    """The candidates of this sitting, in roster order: those entered already, and those who may sit."""
    enrollments = session.scalars(
        select(Enrollment).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
    ).all()
    attempts = {
        a.enrollment_id: a for a in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
    }
    facts = published_facts(session, sitting.class_id)
    return [
        Candidate(e, attempts.get(e.id))
        for e in enrollments
        if e.id in attempts or refusal(sitting, e, facts.get(e.id, [])) is None
    ]
