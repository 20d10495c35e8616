"""The basis of the prevention-fee payment: per class, the trainees who completed the training and
passed the exam, split by first sitting and retake (the fee is paid per trainee trained and passed).
Exported for the social insurance agency with masked ID numbers only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..certificates.models import Certificate
from ..classes.enrol import eligible
from ..classes.models import Enrollment, TrainingClass
from ..exams.models import Attempt, Sitting
from ..exams.roster import published_facts


def passed_at(facts) -> str | None:  # type: ignore[no-untyped-def]
    """'first' or 'retake': the published attempt the trainee passed (at most one); None if none (pure)."""
    return next((fact.sitting for fact in facts if fact.outcome == "passed"), None)


@dataclass(frozen=True)
class Payable:
    enrollment: Enrollment
    passed_at: str  # first | retake
    certificate_number: str


def payable(session: Session, training_class: TrainingClass) -> list[Payable]:
    """The class's trainees who completed the hours and passed, in roster order."""
    facts = published_facts(session, training_class.id)
    numbers = dict(
        session.execute(
            select(Certificate.enrollment_id, Certificate.number).where(
                Certificate.class_id == training_class.id
            )
        ).all()
    )
    roster = session.scalars(
        select(Enrollment).where(Enrollment.class_id == training_class.id).order_by(Enrollment.id)
    ).all()
    out = []
    for e in roster:
        kind = passed_at(facts.get(e.id, []))
        if kind is not None and eligible(training_class, e):
            out.append(Payable(e, kind, numbers.get(e.id, "")))
    return out


@dataclass(frozen=True)
class ClassPayment:
    training_class: TrainingClass
    first: int
    retake: int

    @property
    def total(self) -> int:
        return self.first + self.retake


def payments_of_year(session: Session, year: int) -> list[ClassPayment]:
    """Per class ending in `year` with any payable trainee: how many passed at the first sitting and
    how many at the retake (one query)."""
    query = (
        select(TrainingClass.id, Attempt.kind, func.count())
        .join(Enrollment, Enrollment.class_id == TrainingClass.id)
        .join(Attempt, Attempt.enrollment_id == Enrollment.id)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(
            Sitting.status == "published",
            Attempt.passed.is_(True),
            Enrollment.hours_completed >= TrainingClass.total_hours,
            TrainingClass.end_date.between(date(year, 1, 1), date(year, 12, 31)),
        )
        .group_by(TrainingClass.id, Attempt.kind)
    )
    counts: dict[int, list[int]] = {}
    for class_id, kind, count in session.execute(query):
        counts.setdefault(class_id, [0, 0])[0 if kind == "first" else 1] += count
    classes = session.scalars(
        select(TrainingClass).where(TrainingClass.id.in_(counts)).order_by(TrainingClass.code)
    ).all()
    return [ClassPayment(c, *counts[c.id]) for c in classes]
