"""Recording and verifying the audit trail. record() joins the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as dataclass_fields

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..core.db import utcnow
from .chain import (
    GENESIS_HASH,
    ChainProblem,
    EntryFields,
    canonical_detail,
    entry_hash,
    find_problems,
)
from .models import AuditEvent

# Any constant works: every appender takes the same PostgreSQL advisory lock for its transaction.
_PG_AUDIT_LOCK = 0x45584D41  # "EXMA"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str  # user name, or "cli" / "system"


SYSTEM = Actor(None, "system")
CLI_ACTOR = Actor(None, "cli")  # an operator at the server's command line


def _lock_chain(session: Session) -> None:
    # SQLite transactions already hold the write lock (BEGIN IMMEDIATE); PostgreSQL needs one so
    # that concurrent appenders queue for the chain's head instead of both reading the same head.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent:
    return record_many(session, actor, [(action, object_type, object_id, detail)])[0]


def record_many(
    session: Session,
    actor: Actor,
    entries: Sequence[tuple[str, str, object, Mapping[str, object] | None]],
) -> list[AuditEvent]:
    """Several entries (action, object type, object id, detail) chained in one go: the chain's head
    is locked and read once and the entries are written in one flush (a sitting's certificates)."""
    _lock_chain(session)
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    now = utcnow()
    events = []
    for action, object_type, object_id, detail in entries:
        seq += 1
        fields = EntryFields(
            seq=seq,
            at=now.replace(tzinfo=None),
            actor_id=actor.user_id,
            actor_label=actor.label,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=canonical_detail(detail),
            prev_hash=prev_hash,
        )
        event = AuditEvent(**asdict(fields), hash=entry_hash(fields))
        event.at = now  # the same instant, timezone-aware for the column type
        events.append(event)
        prev_hash = event.hash
    session.add_all(events)
    session.flush()
    return events


def _stored_entries(session: Session) -> Iterator[tuple[EntryFields, str]]:
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000))
    for e in rows:
        fields = EntryFields(**{f.name: getattr(e, f.name) for f in dataclass_fields(EntryFields)})
        fields = replace(fields, at=e.at.replace(tzinfo=None))
        yield fields, e.hash


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    head_hash: str
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    count, head = 0, GENESIS_HASH

    def counted() -> Iterator[tuple[EntryFields, str]]:
        nonlocal count, head
        for fields, stored_hash in _stored_entries(session):
            count, head = count + 1, stored_hash
            yield fields, stored_hash

    problems = find_problems(counted())
    return VerifyReport(count, head, problems)
