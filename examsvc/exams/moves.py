"""Moving a candidate to another sitting: a trainee deferred for illness, or sent on from a
cancelled sitting, sits another class's sitting of the same kind, industry and category (the same
syllabus and blueprint), and keeps their enrollment, hours and certificate with their own class.
Only an officer moves, with a reason; functions flush and never commit.

A move never moves a result: the candidate has no attempt of that kind anywhere. They may leave a
sitting until it is locked and join one that has not started (lifecycle.Act.MOVE_OUT / MOVE_IN).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..classes.models import Enrollment, TrainingClass
from ..core.db import BEIJING
from ..core.msgid import N_
from .errors import ResultError
from .lifecycle import Act, phase_of, refusal
from .models import Attempt, ProctorAffiliation, Sitting, SittingMove, SittingProctor
from .roster import placement, published_facts
from .roster import refusal as seat_refusal
from .service import fit_seats, required_reason

EXAMINED_CLASS = ("approved", "exam_scheduled", "examined")  # the bureau has approved the class


def _same_syllabus(a: TrainingClass, b: TrainingClass) -> bool:
    return (a.industry, a.category) == (b.industry, b.category)


def _conflicted_proctor(session: Session, target: Sitting, enrollment: Enrollment) -> bool:
    """Whether a proctor of the target works for the candidate's institution or employer."""
    orgs = {enrollment.training_class.institution_id, enrollment.employer_id} - {None}
    found = session.scalar(
        select(ProctorAffiliation.id)
        .join(SittingProctor, SittingProctor.user_id == ProctorAffiliation.user_id)
        .where(SittingProctor.sitting_id == target.id, ProctorAffiliation.org_id.in_(orgs))
        .limit(1)
    )
    return found is not None


def problem(session: Session, enrollment: Enrollment, target: Sitting, now: datetime) -> ResultError | None:
    """Why this candidate may not be moved to `target` now (None: they may)."""
    own = enrollment.training_class
    if own.status not in EXAMINED_CLASS:
        return ResultError(N_("Only a candidate of an approved class can be moved to a sitting."), status=409)
    entered = session.scalar(
        select(Attempt.id).where(Attempt.enrollment_id == enrollment.id, Attempt.kind == target.kind)
    )
    if entered is not None:
        return ResultError(
            N_("This candidate has been checked in already: a result cannot move to another sitting."),
            status=409,
        )
    source = placement(session, enrollment, target.kind)
    if source is not None and source.id == target.id:
        return ResultError(N_("This candidate sits that sitting already."), status=409)
    if source is not None and refusal(Act.MOVE_OUT, phase_of(source, now)) is not None:
        return ResultError(N_("The candidate's sitting is locked: its results stand."), status=409)
    if refusal(Act.MOVE_IN, phase_of(target, now)) is not None:
        return ResultError(
            N_("That sitting has started, is locked or is cancelled: choose one that has not started."),
            status=409,
        )
    if not _same_syllabus(own, target.training_class):
        return ResultError(N_("That sitting examines another industry or category of personnel."), status=409)
    facts = published_facts(session, enrollment.class_id, enrollment.id).get(enrollment.id, [])
    seated = seat_refusal(target, enrollment, facts)
    if seated is not None:
        return ResultError(seated, status=409)
    if target.starts_at.astimezone(BEIJING).date() < own.end_date:
        return ResultError(
            N_("The exam comes after the training: this class ends on %(end)s."),
            status=409,
            end=own.end_date.isoformat(),
        )
    if _conflicted_proctor(session, target, enrollment):
        return ResultError(
            N_("A proctor of that sitting works for this candidate's institution or employer."), status=409
        )
    return None


def targets(session: Session, enrollment: Enrollment, kind: str, now: datetime) -> list[Sitting]:
    """The sittings this candidate could be moved to now, soonest first."""
    own = enrollment.training_class
    same = session.scalars(
        select(Sitting)
        .join(TrainingClass, TrainingClass.id == Sitting.class_id)
        .where(
            Sitting.kind == kind,
            Sitting.status == "scheduled",
            Sitting.starts_at > now,
            TrainingClass.industry == own.industry,
            TrainingClass.category == own.category,
        )
        .order_by(Sitting.starts_at, Sitting.id)
    ).all()
    return [s for s in same if problem(session, enrollment, s, now) is None]


def move(
    session: Session, actor: Actor, enrollment: Enrollment, target: Sitting, reason: str, now: datetime
) -> SittingMove:
    why = required_reason(reason)
    refused = problem(session, enrollment, target, now)
    if refused is not None:
        raise refused
    source = placement(session, enrollment, target.kind)
    moved = SittingMove(
        enrollment_id=enrollment.id,
        kind=target.kind,
        from_sitting_id=source.id if source else None,
        to_sitting_id=target.id,
        reason=why,
        moved_by=actor.user_id,
    )
    session.add(moved)
    enrollment.placed_elsewhere = True  # their hours are final (classes.enrol.set_hours_completed)
    session.flush()
    record(
        session,
        actor,
        "sitting.move_candidate",
        "enrollment",
        enrollment.id,
        {
            "kind": target.kind,
            "from": source.id if source else None,
            "from_starts": source.starts_at.isoformat() if source else None,
            "to": target.id,
            "to_starts": target.starts_at.isoformat(),
            "reason": why,
        },
    )
    fit_seats(session, actor, target)
    return moved
