"""Suspending a training institution (e.g. for faked training): while suspended it cannot submit
classes and its submitted classes cannot be approved. Always with a reason and an end date (three
years by default, the period the notices set for faked training); an officer may lift it early,
with a reason. Every step is audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..audit.service import Actor, record
from ..core.db import Base, UTCDateTime, add_years, utcnow
from ..core.msgid import N_, RuleError

DEFAULT_YEARS = 3


class Suspension(Base):
    __tablename__ = "institution_suspension"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("lifted_at IS NULL OR lift_reason IS NOT NULL", name="lifted_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    suspended_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(String(500))


class SuspensionError(RuleError):
    pass


def default_end(today: date) -> date:
    return add_years(today, DEFAULT_YEARS)


def in_force(session: Session, org_id: int, today: date) -> Suspension | None:
    return all_in_force(session, today, org_id).get(org_id)


def all_in_force(session: Session, today: date, org_id: int | None = None) -> dict[int, Suspension]:
    """The suspension in force today per institution (of one institution, if `org_id` is given)."""
    query = select(Suspension).where(
        Suspension.lifted_at.is_(None), Suspension.starts_on <= today, Suspension.ends_on >= today
    )
    if org_id is not None:
        query = query.where(Suspension.org_id == org_id)
    found: dict[int, Suspension] = {}
    for suspension in session.scalars(query.order_by(Suspension.ends_on)):
        found[suspension.org_id] = suspension  # the one that ends last
    return found


def refuse_if_suspended(session: Session, org_id: int, today: date) -> None:
    """For class submission and approval."""
    found = in_force(session, org_id, today)
    if found is not None:
        raise SuspensionError(
            N_("Suspended until %(until)s (%(reason)s): no class can be submitted or approved."),
            until=found.ends_on.isoformat(),
            reason=found.reason,
        )


def suspend(  # noqa: PLR0913
    session: Session, actor: Actor, user_id: int, org, reason: str, ends_on: date, today: date
) -> Suspension:  # type: ignore[no-untyped-def]
    reason = reason.strip()
    if org.kind != "institution":
        raise SuspensionError(N_("Only training institutions can be suspended."))
    if not reason:
        raise SuspensionError(N_("Say why the institution is suspended."), field="reason")
    if ends_on <= today:
        raise SuspensionError(N_("The suspension must end after today."), field="ends_on")
    if in_force(session, org.id, today) is not None:
        raise SuspensionError(N_("This institution is already suspended."))
    found = Suspension(
        org_id=org.id, reason=reason[:500], starts_on=today, ends_on=ends_on, suspended_by=user_id
    )
    session.add(found)
    session.flush()
    details = {"until": ends_on.isoformat(), "reason": reason[:300]}
    record(session, actor, "org.suspend", "organisation", org.id, details)
    return found


def lift(session: Session, actor: Actor, org, reason: str, today: date) -> None:  # type: ignore[no-untyped-def]
    reason = reason.strip()
    found = in_force(session, org.id, today)
    if found is None:
        raise SuspensionError(N_("This institution is not suspended."))
    if not reason:
        raise SuspensionError(N_("Say why the suspension is lifted early."), field="lift_reason")
    found.lifted_at, found.lift_reason = utcnow(), reason[:500]
    record(session, actor, "org.lift_suspension", "organisation", org.id, {"reason": reason[:300]})
