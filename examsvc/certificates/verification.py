"""What a certificate's holder, an employer or a verifier is told: valid, revoked, expired, not
genuine or not found, with the certificate's public facts (masked ID only)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..core.crypto.jws import TokenError, genuine_claims
from ..core.db import BEIJING
from ..core.signing_keys import public_keys
from .models import Certificate

STATUSES = ("valid", "revoked", "expired", "not_genuine", "not_found")
TOKEN_MAX = 2000  # characters: ours are far shorter; a longer one is refused unread


@dataclass(frozen=True)
class Verdict:
    status: str
    claims: dict = field(default_factory=dict)
    certificate: Certificate | None = None

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": self.status}
        if self.claims:
            c = self.claims
            body["certificate"] = {
                "number": c["jti"],
                "name": c["name"],
                "id_last4": c["id4"],
                "industry": c["ind"],
                "category": c["cat"],
                "class": c["cls"],
                "hours": c["hrs"],
                "year": c["yr"],
                "issuer": c["iss"],
                "valid_from": datetime.fromtimestamp(c["nbf"], BEIJING).date().isoformat(),
                "valid_until": datetime.fromtimestamp(c["exp"], BEIJING).date().isoformat(),
            }
        return body


# Tokens whose signature checked out, per worker: a signature never stops being valid, so the check
# is done once per token and key set (a rotation gives a new key set, and every token is checked
# again). Time and revocation are checked on every look-up, never cached.
_GENUINE: OrderedDict[str, tuple[object, dict]] = OrderedDict()
_GENUINE_MAX = 10_000
_GENUINE_LOCK = Lock()


def _genuine_claims(token: str, key_dir: Path) -> dict:
    keys = public_keys(key_dir)
    with _GENUINE_LOCK:
        seen = _GENUINE.get(token)
    if seen is not None and seen[0] is keys:
        return seen[1]
    try:
        claims = genuine_claims(token, keys)
    except TokenError as exc:
        if exc.reason != "unknown_key":
            raise
        keys = public_keys(key_dir, look_again=True)  # a key rotated in by another process?
        claims = genuine_claims(token, keys)
    with _GENUINE_LOCK:
        _GENUINE[token] = (keys, claims)
        if len(_GENUINE) > _GENUINE_MAX:
            _GENUINE.popitem(last=False)
    return claims


def claims_even_if_expired(token: str, key_dir: Path, now: int) -> tuple[str, dict]:
    """('valid' or 'expired', claims) of a token signed by one of our keys; TokenError otherwise."""
    claims = _genuine_claims(token, key_dir)
    if now < int(claims.get("nbf", 0)):
        raise TokenError("not_yet_valid")
    return ("expired" if now >= claims["exp"] else "valid"), claims


def verdict_of_token(session: Session, token: str, key_dir: Path, now: datetime) -> Verdict:
    try:
        claims = claims_even_if_expired(token, key_dir, int(now.timestamp()))[1]
    except TokenError:
        return Verdict("not_genuine")
    number = str(claims.get("jti"))
    cert = session.scalar(
        # Only the certificate's own row: the holder's facts are in the signed claims already.
        select(Certificate).options(lazyload(Certificate.enrollment)).where(Certificate.number == number)
    )
    if cert is not None and cert.token == "":  # anonymised after the retention period (ops/retention.py)
        return Verdict("revoked" if cert.revoked_at else "expired", claims)
    if cert is None or cert.token != token:
        return Verdict("not_genuine")  # signed by a key of ours, yet not a certificate we issued
    return verdict_of_certificate(cert, key_dir, now)


def verdict_of_certificate(cert: Certificate, key_dir: Path, now: datetime) -> Verdict:
    """The status of a certificate we hold: its token's signature and time, then its revocation."""
    try:
        status, claims = claims_even_if_expired(cert.token, key_dir, int(now.timestamp()))
    except TokenError:
        return Verdict("not_genuine")
    return Verdict("revoked" if cert.revoked_at is not None else status, claims, cert)


def verdict_by_number(session: Session, number: str, name: str, key_dir: Path, now: datetime) -> Verdict:
    """By certificate number and the holder's name: both must match, so numbers alone tell nothing."""
    cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper()))
    if cert is None or cert.enrollment.trainee.name != name.strip():
        return Verdict("not_found")
    return verdict_of_certificate(cert, key_dir, now)


def token_of(text: str) -> str:
    """The token in what a verifier pasted: the token itself, the QR code's text (the verification
    URL), or that URL with a query or fragment added by whatever carried it (pure)."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1]
        for stop in "?#/":
            text = text.split(stop, 1)[0]
    return text.strip()
