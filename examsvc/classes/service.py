"""Training classes: create, edit, submit, approve or return. Functions flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.db import today_in_beijing, utcnow
from ..core.msgid import N_, RuleError
from ..orgs.suspension import refuse_if_suspended
from ..questions.codes import CATEGORIES, INDUSTRIES
from . import lifecycle
from .models import Enrollment, TrainingClass
from .rules import Breach, ClassRules, Plan, cap_breach, plan_breaches


class ClassError(RuleError):
    """A change to a class is refused."""


@dataclass(frozen=True)
class ClassInput:
    title: str
    industry: str
    category: str
    start_date: date
    end_date: date
    venue: str
    venue_county_code: str
    hours_online: int
    hours_offline: int
    hours_practical: int


def _check_input(data: ClassInput) -> None:
    if data.industry not in INDUSTRIES:
        raise ClassError(N_("Unknown industry."), field="industry")
    if data.category not in CATEGORIES:
        raise ClassError(N_("Unknown personnel category."), field="category")
    if data.end_date < data.start_date:
        raise ClassError(N_("The class cannot end before it starts."), field="end_date")
    if min(data.hours_online, data.hours_offline, data.hours_practical) < 0:
        raise ClassError(N_("Hours cannot be negative."), field="hours_online")


def enrolled_count(session: Session, training_class: TrainingClass) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.class_id == training_class.id)
        )
        or 0
    )


def breaches(session: Session, training_class: TrainingClass, rules: ClassRules) -> list[Breach]:
    """Every rule the class breaks now (recomputed on every look, never stored)."""
    plan = Plan(
        training_class.category,
        training_class.hours_online,
        training_class.hours_offline,
        training_class.hours_practical,
    )
    found = plan_breaches(plan, rules)
    over = cap_breach(training_class.category, enrolled_count(session, training_class), rules)
    return found + ([over] if over else [])


def create_class(session: Session, actor: Actor, institution_id: int, data: ClassInput) -> TrainingClass:
    _check_input(data)
    training_class = TrainingClass(
        institution_id=institution_id, code=f"new-{utcnow().timestamp()}", **data.__dict__
    )
    session.add(training_class)
    session.flush()
    training_class.code = (
        f"{data.start_date.year}-{training_class.id:05d}"  # from the id: unique without a race
    )
    session.flush()
    record(session, actor, "class.create", "class", training_class.id, {"code": training_class.code})
    return training_class


def update_class(
    session: Session, actor: Actor, training_class: TrainingClass, data: ClassInput
) -> TrainingClass:
    if not lifecycle.editable(training_class.status):
        raise ClassError(N_("Only a draft or returned class can be changed."))
    _check_input(data)
    changes = {}
    for name, value in data.__dict__.items():
        if getattr(training_class, name) != value:
            changes[name] = [str(getattr(training_class, name)), str(value)]
            setattr(training_class, name, value)
    training_class.updated_at = utcnow()
    session.flush()
    if changes:
        record(session, actor, "class.update", "class", training_class.id, changes)
    return training_class


def _move(
    session: Session, actor: Actor, training_class: TrainingClass, name: str, role: str, **detail: object
) -> None:
    if not lifecycle.allowed(name, training_class.status, role):
        raise ClassError(N_("This step is not possible in the class's present state."))
    old = training_class.status
    training_class.status = lifecycle.TRANSITIONS[name].target
    training_class.updated_at = utcnow()
    session.flush()
    record(session, actor, f"class.{name}", "class", training_class.id, {"from": old, **detail})


def submit(session: Session, actor: Actor, training_class: TrainingClass, rules: ClassRules) -> None:
    refuse_if_suspended(session, training_class.institution_id, today_in_beijing())
    found = breaches(session, training_class, rules)
    if found:
        raise ClassError(
            N_("The class breaks %(count)d rule(s); fix them before submitting."), count=len(found)
        )
    if enrolled_count(session, training_class) == 0:
        raise ClassError(N_("Add the roster before submitting."))
    _move(session, actor, training_class, "submit", "institution")
    training_class.submitted_at = utcnow()
    training_class.return_reason = None


def approve(session: Session, actor: Actor, training_class: TrainingClass, rules: ClassRules) -> None:
    refuse_if_suspended(session, training_class.institution_id, today_in_beijing())
    found = breaches(session, training_class, rules)
    if found:
        raise ClassError(N_("The class breaks %(count)d rule(s) and cannot be approved."), count=len(found))
    _move(session, actor, training_class, "approve", "officer")
    training_class.decided_at = utcnow()


def return_class(session: Session, actor: Actor, training_class: TrainingClass, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ClassError(N_("Say why the class is returned: the institution reads it."), field="reason")
    _move(session, actor, training_class, "return", "officer", reason=reason[:500])
    training_class.return_reason = reason
    training_class.decided_at = utcnow()


def advance(session: Session, actor: Actor, training_class: TrainingClass, name: str) -> None:
    """The officer's later steps: schedule_exam, mark_examined, archive."""
    if name not in {"schedule_exam", "mark_examined", "archive"}:
        raise ClassError(N_("This step is not possible in the class's present state."))
    _move(session, actor, training_class, name, "officer")
