"""Organisations: created and changed by admins, every change audited. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.identity import credit_code_problem
from ..core.msgid import N_, RuleError
from .models import ORG_KINDS, Organisation


class OrganisationError(RuleError):
    """An organisation cannot be created or changed as asked."""


def _check(session: Session, kind: str, code: str, own_id: int | None) -> None:
    if kind not in ORG_KINDS:
        raise OrganisationError(N_("Unknown kind of organisation."), field="kind")
    if kind in {"bureau", "county"} and not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise OrganisationError(N_("The bureau and counties use their 6-digit division code."), field="code")
    if kind in {"institution", "employer"} and (problem := credit_code_problem(code)):
        raise OrganisationError(problem, field="code")
    clash = session.scalar(
        select(Organisation.id).where(Organisation.kind == kind, Organisation.code == code)
    )
    if clash is not None and clash != own_id:
        raise OrganisationError(N_("Another organisation of this kind has this code."), field="code")


def create_organisation(
    session: Session, actor: Actor, *, kind: str, code: str, name: str, county_code: str | None
) -> Organisation:
    code = code.strip().upper()
    _check(session, kind, code, None)
    org = Organisation(kind=kind, code=code, name=name.strip(), county_code=county_code or None)
    session.add(org)
    session.flush()
    record(session, actor, "org.create", "organisation", org.id, {"kind": kind, "code": code})
    return org


def update_organisation(
    session: Session,
    actor: Actor,
    org: Organisation,
    *,
    name: str,
    code: str,
    county_code: str | None,
    active: bool,
) -> Organisation:
    code = code.strip().upper()
    _check(session, org.kind, code, org.id)
    changes = {}
    for field, value in (
        ("name", name.strip()),
        ("code", code),
        ("county_code", county_code or None),
        ("active", active),
    ):
        if getattr(org, field) != value:
            changes[field] = [getattr(org, field), value]
            setattr(org, field, value)
    session.flush()
    if changes:
        record(session, actor, "org.update", "organisation", org.id, changes)
    return org


def _bureau(session: Session) -> Organisation | None:
    """The bureau running this installation (the first one created)."""
    return session.scalar(select(Organisation).where(Organisation.kind == "bureau").order_by(Organisation.id))


def bureau_name(session: Session) -> str:
    bureau = _bureau(session)
    return bureau.name if bureau else ""


def bureau_code(session: Session) -> str:
    bureau = _bureau(session)
    return bureau.code if bureau else ""
