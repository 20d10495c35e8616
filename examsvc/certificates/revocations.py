"""A mirror of the revoked certificates' status indexes in Redis, so that the public JSON API
answers without touching the database: one Redis round trip counts the look-up and reads the bit.

The database stays the source of truth; the mirror only ever gains bits, and is fail-safe:
- a revocation sets its bit before the database commits, so a failed commit leaves a certificate
  refused, never one accepted;
- a mirror Redis lost (it keeps nothing on disk here) has no `ready` mark: the caller falls back
  to the database and rebuilds it (adding bits, never clearing one a revocation in flight set);
- the keys name the database they mirror, so two deployments sharing a Redis never mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.exceptions import NoScriptError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Certificate


@dataclass(frozen=True)
class Mirror:
    bits: str
    ready: str

    @classmethod
    def of_database(cls, database_url: str) -> Mirror:
        tag = hashlib.sha256(database_url.encode()).hexdigest()[:12]
        return cls(f"examsvc:{tag}:revoked", f"examsvc:{tag}:revoked:ready")


def rebuild(redis, mirror: Mirror, session: Session) -> None:  # type: ignore[no-untyped-def]
    revoked = select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))
    pipe = redis.pipeline(transaction=True)
    for index in session.scalars(revoked):
        pipe.setbit(mirror.bits, index, 1)
    pipe.set(mirror.ready, 1)
    pipe.execute()


def mark(redis, mirror: Mirror, index: int) -> None:  # type: ignore[no-untyped-def]
    """Before the revocation commits (see above); raises if Redis cannot be reached."""
    redis.setbit(mirror.bits, index, 1)


# One command, one reply: count the look-up, and read the bit if the mirror is complete (else -1).
_COUNT_AND_CHECK = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if not redis.call('GET', KEYS[2]) then return {count, -1} end
return {count, redis.call('GETBIT', KEYS[3], ARGV[2])}
"""
_SHA = hashlib.sha1(_COUNT_AND_CHECK.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1


def count_and_check(  # type: ignore[no-untyped-def]
    redis, mirror: Mirror, rate_key: str, window_seconds: int, index: int
) -> tuple[int, bool | None]:
    """The look-up counted and the bit read in one round trip: (count, revoked, or None if unknown)."""
    keys_and_args = (rate_key, mirror.ready, mirror.bits, window_seconds + 5, index)
    try:
        count, bit = redis.evalsha(_SHA, 3, *keys_and_args)
    except NoScriptError:  # a fresh Redis: send the script itself once
        count, bit = redis.eval(_COUNT_AND_CHECK, 3, *keys_and_args)
    return int(count), (None if bit == -1 else bool(bit))
