"""A mirror of the revoked certificates' status indexes in Redis, so that the public JSON API
answers without touching the database: one Redis round trip counts the look-up and reads the bit.

The database stays the source of truth; the mirror only ever gains bits, and is fail-safe:
- a revocation sets its bit before the database commits, so a failed commit leaves a certificate
  refused, never one accepted;
- a mirror Redis lost (it keeps nothing on disk here) has no `ready` mark: the caller falls back
  to the database and rebuilds it (adding bits, never clearing one a revocation in flight set);
- the keys name the database they mirror, so two deployments sharing a Redis never mix;
- a bit whose revocation then failed to commit stays until an operator runs
  `examsvc certs mirror-reset` (reset() below).

Beside the bits, the mirror holds a digest of every token the database holds (`issued`, with the
certificate's number and first day, which the token does not carry), so that the fast path answers
only for a certificate the database would recognise by its very token (a
token signed by our key without its row, e.g. from an issuing transaction that rolled back, or one
cleared by retention, goes to the database and is not genuine or expired there). A digest missing
is never unsafe: the look-up goes on to the database, which adds it (remember_issued below).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from redis.exceptions import NoScriptError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.db import BEIJING
from .models import Certificate


@dataclass(frozen=True)
class Mirror:
    bits: str
    ready: str
    issued: str
    suspended: str  # a set of status indexes: while one is in it, the database answers

    @classmethod
    def of_database(cls, database_url: str) -> Mirror:
        tag = hashlib.sha256(database_url.encode()).hexdigest()[:12]
        return cls(
            f"examsvc:{tag}:revoked",
            f"examsvc:{tag}:revoked:ready",
            f"examsvc:{tag}:issued:facts",  # a hash: token digest -> "number valid_from"
            f"examsvc:{tag}:suspended",
        )


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()[:16]


def rebuild(redis, mirror: Mirror, session: Session) -> None:  # type: ignore[no-untyped-def]
    revoked = select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))
    suspended = select(Certificate.status_index).where(Certificate.suspended_at.is_not(None))
    tokens = select(Certificate.token, Certificate.number, Certificate.issued_at).where(
        Certificate.token != ""
    )
    pipe = redis.pipeline(transaction=True)
    for index in session.scalars(revoked):
        pipe.setbit(mirror.bits, index, 1)
    for index in session.scalars(suspended):
        pipe.sadd(mirror.suspended, index)
    for token, number, issued_at in session.execute(tokens):
        pipe.hset(mirror.issued, token_digest(token), issued_facts(number, issued_at))
    pipe.set(mirror.ready, 1)
    pipe.execute()


def issued_facts(number: str, issued_at) -> str:  # type: ignore[no-untyped-def]
    return f"{number} {issued_at.astimezone(BEIJING).date().isoformat()}"


def remember_issued(redis, mirror: Mirror, token: str, number: str, issued_at) -> None:  # type: ignore[no-untyped-def]
    """After the database recognised `token`: the next look-ups of it need not ask it again."""
    redis.hset(mirror.issued, token_digest(token), issued_facts(number, issued_at))


def forget_issued(redis, mirror: Mirror) -> None:  # type: ignore[no-untyped-def]
    """Tokens were cleared in the database (retention): every token asks the database again once."""
    redis.delete(mirror.issued)


def mark(redis, mirror: Mirror, index: int) -> None:  # type: ignore[no-untyped-def]
    """Before the revocation commits (see above), and again after it; raises if Redis cannot be reached."""
    redis.setbit(mirror.bits, index, 1)


def suspend(redis, mirror: Mirror, index: int) -> None:  # type: ignore[no-untyped-def]
    """Before the suspension commits; raises if Redis cannot be reached."""
    redis.sadd(mirror.suspended, index)


def reinstate(redis, mirror: Mirror, index: int) -> None:  # type: ignore[no-untyped-def]
    """After lifting a suspension committed. If this fails the index stays in the set: its
    look-ups keep going to the database, which answers rightly (slower, never wrong)."""
    redis.srem(mirror.suspended, index)


def reset(  # type: ignore[no-untyped-def]
    redis, mirror: Mirror, revoked_in_database: Callable[[], Iterable[int]], grace_seconds: float
) -> list[int]:
    """Clears the bits the database does not hold (a revocation whose commit failed after its bit
    was set) and returns their indexes. A bit is cleared only if its certificate is still not
    revoked `grace_seconds` later, when any revocation in flight has committed or failed; a
    revocation committing after that sets its bit again after its commit (views.py)."""
    stray = _set_bits(redis.get(mirror.bits) or b"") - set(revoked_in_database())
    if stray:
        time.sleep(grace_seconds)
        stray -= set(revoked_in_database())
    pipe = redis.pipeline(transaction=True)
    for index in stray:
        pipe.setbit(mirror.bits, index, 0)
    pipe.delete(mirror.issued)  # refilled by look-ups from the database
    pipe.set(mirror.ready, 1)
    pipe.execute()
    return sorted(stray)


def _set_bits(bitmap: bytes) -> set[int]:
    """Redis numbers a string's bits from the most significant bit of its first byte."""
    return {i * 8 + bit for i, byte in enumerate(bitmap) if byte for bit in range(8) if byte & (0x80 >> bit)}


# One command, one reply: count the look-up; if the mirror is complete (else -1), holds the token
# and the certificate is not suspended (else -2), its revocation bit and its issued facts.
_COUNT_AND_CHECK = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if not redis.call('GET', KEYS[2]) then return {count, -1, ''} end
local facts = redis.call('HGET', KEYS[4], ARGV[3])
if not facts then return {count, -2, ''} end
if redis.call('SISMEMBER', KEYS[5], ARGV[2]) == 1 then return {count, -2, ''} end
return {count, redis.call('GETBIT', KEYS[3], ARGV[2]), facts}
"""
_SHA = hashlib.sha1(
    _COUNT_AND_CHECK.encode(), usedforsecurity=False
).hexdigest()  # Redis names scripts by SHA-1


MIRROR_LOST, NOT_MIRRORED = -1, -2


def count_and_check(  # type: ignore[no-untyped-def]
    send, mirror: Mirror, rate_key: str, window_seconds: int, index: int, token: str
) -> tuple[int, int, str]:
    """The look-up counted and the bit read in one round trip: (count, 1 revoked / 0 not revoked /
    MIRROR_LOST / NOT_MIRRORED: the token is not in the mirror or is suspended, ask the database;
    the certificate's issued_facts()). `send` sends one Redis command and returns its reply
    (HotConnection.send)."""
    keys = (rate_key, mirror.ready, mirror.bits, mirror.issued, mirror.suspended)
    keys_and_args = (len(keys), *keys, window_seconds + 5, index, token_digest(token))
    try:
        count, bit, facts = send("EVALSHA", _SHA, *keys_and_args)
    except NoScriptError:  # a fresh Redis: send the script itself once
        count, bit, facts = send("EVAL", _COUNT_AND_CHECK, *keys_and_args)
    return int(count), int(bit), facts.decode() if isinstance(facts, bytes) else str(facts)


class HotConnection:
    """One Redis connection per thread, kept, for the verification hot path: one command out, one
    reply in, without redis-py's per-command pool checkout, retry wrapper and metrics (together they
    cost more than the round trip). Any failure but a missing script drops the connection."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.pool, self.local = client.connection_pool, threading.local()

    def send(self, *command: object) -> object:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.pool.make_connection()
        try:
            connection.send_command(*command)
            return connection.read_response()
        except NoScriptError:
            raise  # the reply was read: the connection is fine
        except BaseException:
            connection.disconnect()
            self.local.connection = None
            raise
