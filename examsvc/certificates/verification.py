"""What a certificate's holder, an employer or a verifier is told: valid, revoked, suspended,
expired, not genuine or not found, with the certificate's public facts (masked ID only)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..core.crypto.jws import TokenError, genuine_claims
from ..core.db import BEIJING
from ..core.signing_keys import CERTIFICATE, KeySet, public_keys
from .claims import TYP, status_reference
from .claims import facts as claims_facts
from .models import Certificate

STATUSES = ("valid", "revoked", "suspended", "expired", "not_genuine", "not_found")
TOKEN_MAX = 2000  # characters: ours are far shorter; a longer one is refused unread


def _day(moment: datetime | int) -> str:
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, BEIJING)
    return moment.astimezone(BEIJING).date().isoformat()


@dataclass(frozen=True)
class Verdict:
    status: str
    claims: dict = field(default_factory=dict)
    certificate: Certificate | None = None

    def as_json(self, number: str = "", valid_from: str = "") -> dict[str, object]:
        """The answer without its times (stamp(): answers are cached per token and status,
        fast_verify.py)."""
        body: dict[str, object] = {"status": self.status}
        if not self.claims:
            return body
        c, cert = self.claims, self.certificate
        facts = {k: v for k, v in claims_facts(c).items() if v is not None}
        if cert is not None:  # the row's facts (fast_verify.py passes the mirror's copy of them)
            number, valid_from = cert.number, _day(cert.issued_at)
        if number:
            facts["number"] = number
        if valid_from or "nbf" in c:
            facts["valid_from"] = valid_from or _day(int(c["nbf"]))
        facts["valid_until"] = _day(int(c["exp"]))
        body["certificate"] = facts
        index, uri = status_reference(c)
        body["status_list"] = {"uri": uri, "idx": index} if uri else {"idx": index}
        if cert is not None and cert.revoked_at is not None:
            body["revocation"] = {"date": _day(cert.revoked_at), "reason": cert.revoke_kind or "other"}
        if cert is not None and self.status == "suspended" and cert.suspended_at is not None:
            body["suspension"] = {"since": _day(cert.suspended_at)}
        return body


def stamp(checked_at: datetime, listed_at: datetime | None) -> dict[str, str]:
    """When the answer was checked, and when the status list now published was signed (a saved
    copy older than that may not know a change): every answer carries them."""
    times = {"checked_at": checked_at.astimezone(UTC).isoformat(timespec="seconds")}
    if listed_at is not None:
        times["listed_at"] = listed_at.astimezone(UTC).isoformat(timespec="seconds")
    return times


# Tokens whose signature checked out, per worker: a signature never stops being valid, so the check
# is done once per token and key set (a rotation gives a new key set, and every token is checked
# again). Time and revocation are checked on every look-up, never cached.
_GENUINE: OrderedDict[str, tuple[object, dict]] = OrderedDict()
_GENUINE_MAX = 10_000
_GENUINE_LOCK = Lock()


def _checked_claims(token: str, key_set: KeySet) -> dict:
    claims = genuine_claims(token, key_set.keys, TYP, key_set.untyped)
    try:
        status_reference(claims)
        if not isinstance(claims.get("name"), str):
            raise TypeError("name")
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError("malformed") from exc  # signed by our key, yet not a certificate's shape
    return claims


def _genuine_claims(token: str, key_dir: Path) -> dict:
    key_set = public_keys(key_dir, CERTIFICATE)
    with _GENUINE_LOCK:
        seen = _GENUINE.get(token)
    if seen is not None and seen[0] is key_set:
        return seen[1]
    try:
        claims = _checked_claims(token, key_set)
    except TokenError as exc:
        if exc.reason != "unknown_key":
            raise
        key_set = public_keys(key_dir, CERTIFICATE, look_again=True)  # a key rotated in by another process?
        claims = _checked_claims(token, key_set)
    with _GENUINE_LOCK:
        _GENUINE[token] = (key_set, claims)
        if len(_GENUINE) > _GENUINE_MAX:
            _GENUINE.popitem(last=False)
    return claims


def claims_even_if_expired(token: str, key_dir: Path, now: int) -> tuple[str, dict]:
    """('valid' or 'expired', claims) of a token signed by one of our certificate keys, in a
    certificate's shape; TokenError otherwise."""
    claims = _genuine_claims(token, key_dir)
    if now < int(claims.get("nbf", 0)):
        raise TokenError("not_yet_valid")
    return ("expired" if now >= claims["exp"] else "valid"), claims


def verdict_of_token(session: Session, token: str, key_dir: Path, now: datetime) -> Verdict:
    try:
        claims = claims_even_if_expired(token, key_dir, int(now.timestamp()))[1]
    except TokenError:
        return Verdict("not_genuine")
    # Only the certificate's own row: the holder's facts are in the signed claims already.
    query = select(Certificate).options(lazyload(Certificate.enrollment))
    if "status" in claims:
        cert = session.scalar(query.where(Certificate.status_index == status_reference(claims)[0]))
    else:  # a token from before the status list: found by its number
        cert = session.scalar(query.where(Certificate.number == str(claims.get("jti"))))
    if cert is not None and cert.token == "":  # anonymised after the retention period (ops/retention.py)
        return Verdict("revoked" if cert.revoked_at else "expired", claims)
    if cert is None or cert.token != token:
        return Verdict("not_genuine")  # signed by a key of ours, yet not a certificate we issued
    return verdict_of_certificate(cert, key_dir, now)


def verdict_of_certificate(cert: Certificate, key_dir: Path, now: datetime) -> Verdict:
    """The status of a certificate we hold: its token's signature and time, then its status."""
    try:
        status, claims = claims_even_if_expired(cert.token, key_dir, int(now.timestamp()))
    except TokenError:
        return Verdict("not_genuine")
    if cert.revoked_at is not None:
        status = "revoked"
    elif cert.suspended_at is not None and status == "valid":
        status = "suspended"
    return Verdict(status, claims, cert)


def verdict_by_number(session: Session, number: str, name: str, key_dir: Path, now: datetime) -> Verdict:
    """By certificate number and the holder's name: both must match, so numbers alone tell nothing."""
    return verdicts_by_number(session, [(number, name)], key_dir, now)[0]


NUMBERS_PER_QUERY = 500


def verdicts_by_number(
    session: Session, rows: list[tuple[str, str]], key_dir: Path, now: datetime
) -> list[Verdict]:
    """verdict_by_number for each (number, name), with one query per NUMBERS_PER_QUERY numbers
    rather than one per row: an employer's sheet of 5,000 is a dozen round trips, not 5,000."""
    wanted = sorted({number.strip().upper() for number, _ in rows})
    found: dict[str, Certificate] = {}
    for start in range(0, len(wanted), NUMBERS_PER_QUERY):
        chunk = wanted[start : start + NUMBERS_PER_QUERY]
        found.update(
            (c.number, c) for c in session.scalars(select(Certificate).where(Certificate.number.in_(chunk)))
        )
    verdicts = []
    for number, name in rows:
        cert = found.get(number.strip().upper())
        if cert is None or cert.enrollment.trainee.name != name.strip():
            verdicts.append(Verdict("not_found"))
        else:
            verdicts.append(verdict_of_certificate(cert, key_dir, now))
    return verdicts


def token_of(text: str) -> str:
    """The token in what a verifier pasted: the token itself, the QR code's text (the verification
    URL), or that URL with a query or fragment added by whatever carried it (pure)."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1]
        for stop in "?#/":
            text = text.split(stop, 1)[0]
    return text.strip()
