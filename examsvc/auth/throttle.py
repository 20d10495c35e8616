"""Sign-in throttling across all workers (the rules: auth.rules.ThrottleLimits). Functions flush
and never commit: the caller commits once the password or code is checked, which releases the
throttle row's lock, so parallel guesses on one account from one client are decided one by one."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.service import SYSTEM, Actor, record
from ..core.config import Config
from .models import LoginAttempt, LoginThrottle, User
from .rules import ThrottleLimits
from .service import normalise_username

# "May try at once". Not the time of the last try: a request that read the clock before waiting
# for the row's lock would find that time in its future and wait for nothing.
FREE = datetime(2000, 1, 1, tzinfo=UTC)


def limits_of(config: Config) -> ThrottleLimits:
    return ThrottleLimits(
        free_tries=config.login_max_failures,
        per_client=config.login_max_failures_per_ip,
        window=timedelta(minutes=config.login_window_minutes),
        alert_failures=config.login_alert_failures,
    )


def _key(username: str, client: str) -> tuple[str, str]:
    return normalise_username(username)[:64], client[:45]


def _row(session: Session, username: str, client: str, now: datetime) -> LoginThrottle:
    """This account-and-client's row, locked until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite transactions hold the write lock from their start)."""
    query = (
        select(LoginThrottle)
        .where(LoginThrottle.username == username, LoginThrottle.client == client)
        .with_for_update()
    )
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(username=username, client=client, failures=0, next_try_at=FREE))
        except IntegrityError:
            pass  # another request made it meanwhile: read theirs
        row = session.scalar(query)
    return row  # type: ignore[return-value]


def wait_seconds(session: Session, username: str, client: str, limits: ThrottleLimits, now: datetime) -> int:
    """How long this client must wait before trying this account (0: it may try now)."""
    name, client = _key(username, client)
    by_client = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.ip == client,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= now - limits.window,
        )
    )
    if (by_client or 0) >= limits.per_client:
        return int(limits.window.total_seconds())
    row = _row(session, name, client, now)
    if row.next_try_at > now:
        return math.ceil((row.next_try_at - now).total_seconds())
    return 0


def note_try(
    session: Session, username: str, client: str, succeeded: bool, limits: ThrottleLimits, now: datetime
) -> None:
    name, client = _key(username, client)
    session.add(LoginAttempt(username=name, ip=client, succeeded=succeeded, at=now))
    row = _row(session, name, client, now)
    if succeeded:
        row.failures, row.next_try_at = 0, FREE
    else:
        recent = row.last_failure_at is not None and now - row.last_failure_at < limits.window
        row.failures = (row.failures if recent else 0) + 1
        row.last_failure_at = now
        delay = limits.delay_after(row.failures)
        if delay:
            row.next_try_at = now + timedelta(seconds=delay)
    session.flush()
    if not succeeded:
        _alert_on_sustained_attack(session, name, limits, now)


def _alert_on_sustained_attack(
    session: Session, username: str, limits: ThrottleLimits, now: datetime
) -> None:
    """Once an account's failures from all clients reach the alert level within the window, the
    audit trail says so; officers and admins see it on their home pages (under_attack)."""
    failed = (
        select(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(False))
        .where(LoginAttempt.at >= now - limits.window)
    )
    count = session.scalar(select(func.count()).select_from(failed.subquery()))
    if count != limits.alert_failures:
        return
    clients = session.scalar(select(func.count(func.distinct(failed.subquery().c.ip))))
    record(
        session,
        SYSTEM,
        "auth.attack_suspected",
        "account",
        username,
        {"failures": count, "clients": clients, "window_minutes": int(limits.window.total_seconds() // 60)},
    )


def under_attack(session: Session, limits: ThrottleLimits, now: datetime) -> list[tuple[str, int, int]]:
    """Accounts with at least the alert level of failures within the window: (name, failures, clients)."""
    rows = session.execute(
        select(LoginAttempt.username, func.count(), func.count(func.distinct(LoginAttempt.ip)))
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.at >= now - limits.window)
        .group_by(LoginAttempt.username)
        .having(func.count() >= limits.alert_failures)
        .order_by(func.count().desc())
    )
    return [(name, int(n), int(c)) for name, n, c in rows]


def clear(session: Session, actor: Actor, user: User) -> int:
    """An administrator lets every client try this account again at once; audited."""
    cleared = session.execute(delete(LoginThrottle).where(LoginThrottle.username == user.username)).rowcount
    record(session, actor, "user.throttle_cleared", "user", user.id, {"clients": cleared})
    return cleared


def waiting_clients(session: Session, user: User, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginThrottle)
            .where(LoginThrottle.username == user.username, LoginThrottle.next_try_at > now)
        )
        or 0
    )
