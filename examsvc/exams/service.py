"""Scheduling sittings and assigning proctors. Functions flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..classes import service as classes
from ..classes.models import TrainingClass
from ..core.config import Config
from ..core.db import BEIJING
from ..core.msgid import N_, RuleError
from ..papers.models import Paper
from ..papers.signals import paper_generated
from .assignment import ProctorFacts, SittingFacts, Window, assignment_problems, suggest
from .lifecycle import Act, gate
from .models import AdmissionTicket, Attempt, ProctorAffiliation, Sitting, SittingProctor
from .roster import placed_enrollments


class SittingError(RuleError):
    """A sitting or an assignment is refused."""

    def __init__(self, message: str, field: str | None = None, reasons: list | None = None, **params: object):
        super().__init__(message, field=field, **params)
        self.reasons = reasons or []


@dataclass(frozen=True)
class SittingInput:
    kind: str
    venue: str
    county_code: str
    starts_at: datetime
    duration_minutes: int
    marking: str = "sheet"


def paper_of(session: Session, sitting: Sitting) -> Paper | None:
    """The paper set for this sitting (one per class and kind of sitting)."""
    return session.scalar(
        select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _sync_paper(session: Session, actor: Actor, sitting: Sitting) -> None:
    """A paper opens with its sitting and nothing else: moving the sitting moves the seal, and a
    cancelled sitting seals its paper again. Audited with the old and new release times."""
    paper = paper_of(session, sitting)
    if paper is None:
        return
    live = sitting.status != "cancelled"
    starts, release = (sitting.starts_at, sitting.release_at) if live else (None, None)
    if (paper.starts_at, paper.release_at) == (starts, release):
        return
    before = None if paper.release_at is None else paper.release_at.isoformat()
    paper.starts_at, paper.release_at = starts, release
    session.flush()
    after = None if release is None else release.isoformat()
    record(session, actor, "paper.release", "paper", paper.id, {"from": before, "to": after})


@paper_generated.connect
def _paper_follows_its_sitting(paper: Paper, *, session: Session, actor: Actor, **_: object) -> None:
    sitting = session.scalar(
        select(Sitting).where(Sitting.class_id == paper.class_id, Sitting.kind == paper.sitting)
    )
    if sitting is not None:
        _sync_paper(session, actor, sitting)
        fit_seats(session, actor, sitting)


def fit_seats(session: Session, actor: Actor, sitting: Sitting) -> None:
    """A paper prints a seat for every placed candidate, those moved in from other classes too
    (exams/moves.py), and every ticket's seat (exams/tickets.py). The seats' variants follow from the
    sealed seed and the seat number, so a seat more re-seals nothing."""
    paper = paper_of(session, sitting)
    ticketed = session.scalar(  # a ticket's seat stays its holder's even if others left meanwhile
        select(func.max(AdmissionTicket.seat_no)).where(AdmissionTicket.sitting_id == sitting.id)
    )
    needed = max(len(placed_enrollments(session, sitting)), ticketed or 0)
    if paper is None or needed <= paper.seats:
        return
    before, paper.seats = paper.seats, needed
    session.flush()
    record(session, actor, "paper.seats", "paper", paper.id, {"from": before, "to": needed})


def _check_start(
    session: Session, training_class: TrainingClass, kind: str, starts_at: datetime, now: datetime
) -> None:
    """A sitting starts in the future, after the training, and a retake after the first sitting."""
    if starts_at <= now:
        raise SittingError(N_("A sitting is scheduled to start in the future."), field="starts_at")
    if starts_at.astimezone(BEIJING).date() < training_class.end_date:
        raise SittingError(
            N_("The exam comes after the training: this class ends on %(end)s."),
            field="starts_at",
            end=training_class.end_date.isoformat(),
        )
    if kind == "retake":
        first = session.scalar(
            select(Sitting).where(Sitting.class_id == training_class.id, Sitting.kind == "first")
        )
        if first is not None and starts_at < first.times.ends_at:
            raise SittingError(
                N_("A retake starts after the first sitting ends (%(end)s)."),
                field="starts_at",
                end=_local(first.times.ends_at),
            )


def _set_times(sitting: Sitting, starts_at: datetime, config: Config) -> None:
    sitting.starts_at = starts_at
    sitting.release_at = starts_at - timedelta(minutes=config.paper_release_minutes)


def _times(sitting: Sitting) -> dict[str, str]:
    return {"starts": sitting.starts_at.isoformat(), "release": sitting.release_at.isoformat()}


def schedule(
    session: Session,
    actor: Actor,
    training_class: TrainingClass,
    data: SittingInput,
    config: Config,
    now: datetime,
) -> Sitting:
    exists = session.scalar(
        select(Sitting.id).where(Sitting.class_id == training_class.id, Sitting.kind == data.kind)
    )
    if exists is not None:
        raise SittingError(N_("This class already has this sitting."))
    if data.kind == "first" and training_class.status != "approved":
        raise SittingError(N_("A first sitting is scheduled for an approved class."))
    if data.kind == "retake" and training_class.status not in {"exam_scheduled", "examined"}:
        raise SittingError(N_("A retake is scheduled after the first sitting is scheduled."))
    _check_start(session, training_class, data.kind, data.starts_at, now)
    sitting = Sitting(class_id=training_class.id, **data.__dict__)
    _set_times(sitting, data.starts_at, config)
    session.add(sitting)
    session.flush()
    if data.kind == "first":
        classes.advance(session, actor, training_class, "schedule_exam")
    record(
        session,
        actor,
        "sitting.schedule",
        "sitting",
        sitting.id,
        {"class": training_class.code, "kind": data.kind, **_times(sitting)},
    )
    _sync_paper(session, actor, sitting)
    return sitting


def _has_attempts(session: Session, sitting: Sitting) -> bool:
    return session.scalar(select(func.count(Attempt.id)).where(Attempt.sitting_id == sitting.id)) > 0


def required_reason(reason: str) -> str:
    if not reason.strip():
        raise SittingError(N_("Say why: a reason is required."), field="reason")
    return reason.strip()[:300]


def reschedule(
    session: Session,
    actor: Actor,
    sitting: Sitting,
    starts_at: datetime,
    reason: str,
    config: Config,
    now: datetime,
) -> Sitting:
    """Move a sitting that has not started (or bring back a cancelled one) to a new time."""
    gate(sitting, Act.RESCHEDULE, now)
    why = required_reason(reason)
    if _has_attempts(session, sitting):
        raise SittingError(N_("Candidates have already been checked in: this sitting cannot move."))
    _check_start(session, sitting.training_class, sitting.kind, starts_at, now)
    for guest in placed_enrollments(session, sitting):  # candidates moved here keep their own classes' dates
        if starts_at.astimezone(BEIJING).date() < guest.training_class.end_date:
            raise SittingError(
                N_("A candidate moved here from class %(code)s finishes training on %(end)s."),
                field="starts_at",
                code=guest.training_class.code,
                end=guest.training_class.end_date.isoformat(),
            )
    before = _times(sitting)
    _set_times(sitting, starts_at, config)
    sitting.status = "scheduled"
    session.flush()
    record(
        session,
        actor,
        "sitting.reschedule",
        "sitting",
        sitting.id,
        {"before": before, "after": _times(sitting), "reason": why},
    )
    _sync_paper(session, actor, sitting)
    return sitting


def cancel(session: Session, actor: Actor, sitting: Sitting, reason: str, now: datetime) -> Sitting:
    """Call a sitting off before anyone is checked in; its paper seals again until it is rescheduled."""
    gate(sitting, Act.CANCEL, now)
    why = required_reason(reason)
    if _has_attempts(session, sitting):
        raise SittingError(N_("Candidates have already been checked in: this sitting cannot be cancelled."))
    sitting.status = "cancelled"
    session.flush()
    record(session, actor, "sitting.cancel", "sitting", sitting.id, {**_times(sitting), "reason": why})
    _sync_paper(session, actor, sitting)
    return sitting


def _window(sitting: Sitting) -> Window:
    return Window(sitting.starts_at, sitting.starts_at + timedelta(minutes=sitting.duration_minutes))


def sitting_facts(session: Session, sitting: Sitting) -> SittingFacts:
    placed = placed_enrollments(session, sitting)  # moved-in candidates bring their own conflicts
    institutions = {sitting.training_class.institution_id} | {e.training_class.institution_id for e in placed}
    return SittingFacts(
        _window(sitting),
        sitting.county_code,
        frozenset(institutions),
        frozenset(e.employer_id for e in placed if e.employer_id is not None),
        len(placed),
    )


def proctor_facts(
    session: Session, users: list[User], exclude_sitting: int | None = None
) -> list[ProctorFacts]:
    ids = [u.id for u in users]
    affiliations: dict[int, set[int]] = {i: set() for i in ids}
    for user_id, org_id in session.execute(
        select(ProctorAffiliation.user_id, ProctorAffiliation.org_id).where(
            ProctorAffiliation.user_id.in_(ids)
        )
    ):
        affiliations[user_id].add(org_id)
    busy: dict[int, list[Window]] = {i: [] for i in ids}
    for user_id, sitting in session.execute(
        select(SittingProctor.user_id, Sitting)
        .join(Sitting, Sitting.id == SittingProctor.sitting_id)
        .where(SittingProctor.user_id.in_(ids))
    ):
        if sitting.id != exclude_sitting:
            busy[user_id].append(_window(sitting))
    return [
        ProctorFacts(
            u.id,
            u.display_name,
            u.org.kind,
            u.org.county_code or u.org.code,
            frozenset(affiliations[u.id] | {u.org_id}),
            tuple(busy[u.id]),
            len(busy[u.id]),
        )
        for u in users
    ]


def all_proctors(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.role == "proctor", User.active.is_(True)).order_by(User.username)
        )
    )


def suggestion(session: Session, sitting: Sitting, config: Config) -> list[User]:
    users = {u.id: u for u in all_proctors(session)}
    facts = proctor_facts(session, list(users.values()), exclude_sitting=sitting.id)
    picked = suggest(
        facts, sitting_facts(session, sitting), config.exam_min_proctors, config.exam_candidates_per_proctor
    )
    return [users[p.user_id] for p in picked]


def assign(
    session: Session, actor: Actor, sitting: Sitting, user_ids: list[int], config: Config, now: datetime
) -> None:
    """Replace the sitting's proctors with exactly these, or refuse with every reason."""
    gate(sitting, Act.ASSIGN, now)
    users = list(session.scalars(select(User).where(User.id.in_(user_ids), User.role == "proctor")))
    if len(users) != len(set(user_ids)):
        raise SittingError(N_("Only proctor accounts can be assigned."))
    problems = assignment_problems(
        proctor_facts(session, users, exclude_sitting=sitting.id),
        sitting_facts(session, sitting),
        config.exam_min_proctors,
        config.exam_candidates_per_proctor,
    )
    if problems:
        raise SittingError(
            N_("The assignment breaks %(count)d rule(s)."),
            reasons=problems,  # Refusals: the view translates each
            count=len(problems),
        )
    session.info.pop(_ASSIGNED, None)
    for row in session.scalars(select(SittingProctor).where(SittingProctor.sitting_id == sitting.id)):
        session.delete(row)
    session.flush()
    for user in users:
        session.add(SittingProctor(sitting_id=sitting.id, user_id=user.id))
    session.flush()
    record(session, actor, "sitting.assign", "sitting", sitting.id, {"proctors": sorted(u.id for u in users)})


def assigned_sittings(session: Session, user: User) -> list[Sitting]:
    """What a proctor sees: only the sittings they are assigned to."""
    return list(
        session.scalars(
            select(Sitting)
            .join(SittingProctor, SittingProctor.sitting_id == Sitting.id)
            .where(SittingProctor.user_id == user.id)
            .order_by(Sitting.starts_at)
        )
    )


_ASSIGNED = "examsvc.assigned"  # in session.info: (sitting, user) pairs found assigned in this unit of work


def is_assigned(session: Session, sitting: Sitting, user: User) -> bool:
    """Asked by the view and again by the service it calls: the database once per request (a yes is
    remembered by the session, and forgotten whenever the sitting's proctors change)."""
    remembered = session.info.setdefault(_ASSIGNED, set())
    if (sitting.id, user.id) in remembered:
        return True
    found = session.scalar(
        select(SittingProctor.id).where(
            SittingProctor.sitting_id == sitting.id, SittingProctor.user_id == user.id
        )
    )
    if found is not None:
        remembered.add((sitting.id, user.id))
    return found is not None


@event.listens_for(Session, "after_soft_rollback")
def _forget_assignments(session: Session, previous_transaction: object) -> None:
    session.info.pop(_ASSIGNED, None)  # a yes seen in a rolled-back transaction is asked again
