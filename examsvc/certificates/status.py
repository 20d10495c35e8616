"""The status list the bureau publishes (draft-ietf-oauth-status-list): where each certificate's
status lives, and the signed Status List Token. Functions flush and never commit.

- Indexes are drawn at random from the whole list (and never reused), so neither the list nor a
  certificate's index tells how many were issued, in what order, or which ones belong together.
- The token is signed with the status key (never the certificate key: its own `typ` and kid), and
  kept: every status change marks it stale (mark_changed, in the change's transaction), and it is
  signed again only then or when half its lifetime has passed. A look-up of an unchanged list costs
  one primary-key read, whatever the number of revocations, and keeps its ETag.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..core.crypto.jws import sign
from ..core.signing_keys import STATUS, current_signer
from . import statuslist
from .models import Certificate, StatusListToken

LIST_ID = 1  # one list today; its URI names it, so more can follow without changing a token
PATH = "/s/"
TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
LIFETIME = timedelta(days=1)  # `exp`: an offline verifier's saved list says UNKNOWN after this


def list_uri(base_url: str, list_id: int = LIST_ID) -> str:
    return f"{base_url.rstrip('/')}{PATH}{list_id}"


def allocate(session: Session, count: int) -> list[int]:
    """`count` unused indexes, drawn at random from the whole list."""
    chosen: set[int] = set()
    while len(chosen) < count:
        draws = {secrets.randbelow(statuslist.LIST_SIZE) for _ in range(count - len(chosen))} - chosen
        taken = set(
            session.scalars(select(Certificate.status_index).where(Certificate.status_index.in_(draws)))
        )
        chosen |= draws - taken
    return list(chosen)


def statuses(session: Session) -> dict[int, int]:
    """Every index whose status is not VALID (revoked wins over suspended)."""
    rows = session.execute(
        select(Certificate.status_index, Certificate.revoked_at).where(
            or_(Certificate.revoked_at.is_not(None), Certificate.suspended_at.is_not(None))
        )
    )
    return {index: statuslist.INVALID if revoked else statuslist.SUSPENDED for index, revoked in rows}


STALE = "stale"  # the kept token's digest once a status changed: the next look-up signs again


def mark_changed(session: Session) -> None:
    session.execute(update(StatusListToken).values(digest=STALE))


def _digest(listed: dict[int, int]) -> str:
    return hashlib.sha256(json.dumps(sorted(listed.items())).encode()).hexdigest()


@dataclass(frozen=True)
class SignedList:
    token: str
    issued_at: datetime
    expires_at: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.token.encode()).hexdigest()[:32] + '"'


def signed_list(
    session: Session, key_dir: Path, base_url: str, issuer: str, now: datetime, ttl_seconds: int
) -> SignedList:
    """The current Status List Token, signed again only if needed (see above)."""
    kept = session.get(StatusListToken, LIST_ID)
    if (
        kept is not None
        and kept.digest != STALE
        and now < kept.issued_at + (kept.expires_at - kept.issued_at) / 2
    ):
        return SignedList(kept.token, kept.issued_at, kept.expires_at)
    listed = statuses(session)
    digest = _digest(listed)
    issued = now.replace(microsecond=0)
    expires = issued + LIFETIME
    claims = {
        "sub": list_uri(base_url),
        "iss": issuer,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "ttl": ttl_seconds,
        "status_list": {"bits": statuslist.BITS, "lst": statuslist.encode(listed)},
    }
    kid, key = current_signer(key_dir, STATUS)
    token = sign(claims, key, kid, TYP)
    if kept is None:
        session.add(
            StatusListToken(list_id=LIST_ID, digest=digest, token=token, issued_at=issued, expires_at=expires)
        )
    else:
        kept.digest, kept.token, kept.issued_at, kept.expires_at = digest, token, issued, expires
    session.flush()
    return SignedList(token, issued, expires)


def listed_at(session: Session) -> datetime | None:
    """When the list now served was signed (what a verifier holding it knows about)."""
    kept = session.get(StatusListToken, LIST_ID)
    return kept.issued_at if kept is not None else None
