"""Users, logins, second factor. Functions flush and never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.crypto import aead, totp
from ..core.crypto.keyfiles import SymmetricKey
from ..core.crypto.passwords import hash_password, password_problem, verify_password
from ..core.db import utcnow
from ..core.msgid import N_, RuleError
from ..orgs.models import Organisation
from .models import LoginSession, User
from .rules import ROLE_ORG_KIND, needs_totp, role_fits_org


class UserError(RuleError):
    """A user cannot be created or changed as asked."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username)


def active_user(session: Session, user_id: int, role: str | None = None) -> User | None:
    """The user, if they may still act: active, in an active organisation, and of `role` if given
    (a background job asks this of its owner when it runs and at every download)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or (role is not None and user.role != role):
        return None
    return user


def is_active_officer(session: Session, username: str) -> bool:
    """Whether an active exam officer has this user name (the reviewer an import names)."""
    user = session.scalar(select(User).where(User.username == username.lower()))
    return user is not None and active_user(session, user.id, "officer") is not None


# --- users -------------------------------------------------------------------------------------


def _check_role_and_org(role: str, org: Organisation | None) -> None:
    if role not in ROLE_ORG_KIND:
        raise UserError(N_("Unknown role."), field="role")
    if org is None:
        raise UserError(N_("Organisation not found."), field="org_id")
    if not role_fits_org(role, org.kind):
        raise UserError(
            N_(
                "This role does not fit the organisation: officers and admins belong to the bureau, "
                "proctors to a county department, institution staff to a training institution."
            ),
            field="role",
        )


def create_user(
    session: Session,
    actor: Actor,
    hasher: PasswordHasher,
    *,
    username: str,
    display_name: str,
    role: str,
    org_id: int,
    password: str,
) -> User:
    username = normalise_username(username)
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise UserError(N_("User name may hold only letters, digits, '.', '-' and '_'."), field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(N_("User name is already taken."), field="username")
    _check_role_and_org(role, session.get(Organisation, org_id))
    problem = password_problem(password, username)
    if problem:
        raise UserError(problem, field="password")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        org_id=org_id,
        password_hash=hash_password(hasher, password),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        {"username": username, "role": role, "org": org_id},
    )
    return user


def update_user(
    session: Session,
    actor: Actor,
    user: User,
    *,
    display_name: str,
    role: str,
    org_id: int,
    active: bool,
) -> None:
    _check_role_and_org(role, session.get(Organisation, org_id))
    if actor.user_id == user.id and (not active or role != user.role):
        raise UserError(N_("You cannot deactivate yourself or change your own role."), field="role")
    changes = {}
    for name, value in (
        ("display_name", display_name.strip()),
        ("role", role),
        ("org_id", org_id),
        ("active", active),
    ):
        if getattr(user, name) != value:
            changes[name] = [getattr(user, name), value]
            setattr(user, name, value)
    if "role" in changes and not needs_totp(role):
        user.totp_secret, user.totp_enrolled_at, user.totp_last_step = None, None, None
    if "active" in changes or "role" in changes or "org_id" in changes:
        end_all_sessions(session, user)
    session.flush()
    if changes:
        record(session, actor, "user.update", "user", user.id, changes)
    return user


def set_password(session: Session, actor: Actor, hasher: PasswordHasher, user: User, password: str) -> User:
    problem = password_problem(password, user.username)
    if problem:
        raise UserError(problem, field="password")
    user.password_hash = hash_password(hasher, password)
    user.password_changed_at = utcnow()
    end_all_sessions(session, user)
    session.flush()
    record(session, actor, "user.password", "user", user.id, {"by_self": actor.user_id == user.id})
    return user


def reset_totp(session: Session, actor: Actor, user: User) -> User:
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = None, None, None
    end_all_sessions(session, user)
    session.flush()
    record(session, actor, "user.totp_reset", "user", user.id)
    return user


# --- login -------------------------------------------------------------------------------------


def check_password(session: Session, hasher: PasswordHasher, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    ok = verify_password(hasher, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(hasher, password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_login_session(session: Session, user: User, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    record(session, actor_of(user), "user.login", "user", user.id)
    user.login_token = token
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The signed-in user of this login token: one query, on every signed-in request."""
    row = session.execute(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = row[0]
    if not user.is_active:
        return None
    user.login_token = token
    return user


def end_login_session(session: Session, user: User) -> None:
    if user.login_token:
        row = session.scalar(
            select(LoginSession).where(LoginSession.token_hash == _token_hash(user.login_token))
        )
        if row is not None:
            session.delete(row)
    record(session, actor_of(user), "user.logout", "user", user.id)
    session.flush()


def end_all_sessions(session: Session, user: User) -> None:
    for row in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)):
        session.delete(row)


# --- second factor -----------------------------------------------------------------------------


def _totp_aad(user: User) -> bytes:
    return f"totp:{user.id}".encode()


@dataclass(frozen=True)
class Enrolment:
    secret_base32: str
    uri: str


def begin_totp_enrolment(session: Session, key: SymmetricKey, user: User, issuer: str) -> Enrolment:
    """A pending secret for the user, made once and shown until the first code confirms it."""
    if user.totp_enrolled_at is not None:
        raise UserError(N_("Second factor is already enrolled."))
    if user.totp_secret is None:
        user.totp_secret = aead.seal(key, totp.new_secret(), _totp_aad(user))
        session.flush()
    secret = aead.unseal({key.key_id: key}, user.totp_secret, _totp_aad(user))
    return Enrolment(totp.secret_base32(secret), totp.provisioning_uri(secret, user.username, issuer))


def check_totp(session: Session, keys: dict[str, SymmetricKey], user: User, code: str, now: float) -> bool:
    """True once per valid code; confirms a pending enrolment; refuses replays."""
    if user.totp_secret is None:
        return False
    secret = aead.unseal(keys, user.totp_secret, _totp_aad(user))
    step = totp.matching_step(secret, code, now, user.totp_last_step)
    if step is None:
        return False
    # Conditional update: of two requests racing with the same code, only one moves the step on.
    claimed = session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    if user.totp_enrolled_at is None:
        user.totp_enrolled_at = utcnow()
        record(session, actor_of(user), "user.totp_enrolled", "user", user.id)
    session.flush()
    return True


def totp_enrolled(user: User) -> bool:
    return user.totp_enrolled_at is not None
