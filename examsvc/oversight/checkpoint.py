"""Signed checkpoints of the audit chain: its head (sequence number and hash) signed with the bureau's
status key (never the certificate key: a checkpoint has its own `typ`), exported daily and kept
outside the database.

The chain alone catches an edited, deleted or reordered entry, but not someone with full database
rights who rewrites every entry from the edit onwards and recomputes all the hashes. A checkpoint
taken before the rewrite names the hash entry N had then; a rewritten chain no longer has it. The
signature (Ed25519, the key in /.well-known/jwks.json) keeps the checkpoint file itself honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.models import AuditEvent
from ..audit.service import Actor, record, verify
from ..core.crypto.jws import TokenError, genuine_claims, sign
from ..core.msgid import N_
from ..core.signing_keys import CERTIFICATE, STATUS, current_signer, public_keys
from ..orgs.service import bureau_code

KIND = "examsvc-audit-checkpoint"
TYP = "examsvc-checkpoint+jwt"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    at: int  # when it was taken (Unix seconds)

    @property
    def file_name(self) -> str:
        stamp = datetime.fromtimestamp(self.at, UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"audit-checkpoint-{stamp}-{self.seq}.jwt"


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: Checkpoint | None
    problem: str = ""  # a msgid; empty: the chain still holds this checkpoint's head

    def __str__(self) -> str:
        seq = self.checkpoint.seq if self.checkpoint else 0
        return (self.problem or "held") % {"seq": seq}


def issue(session: Session, actor: Actor, key_dir: Path, now: datetime) -> tuple[Checkpoint, str]:
    """take() for the bureau, and the taking recorded in the chain (by the daily CLI run or an
    officer's download); the caller commits. ValueError if the chain is broken."""
    point, token = take(session, key_dir, bureau_code(session), now)
    record(session, actor, "audit.checkpoint", "audit_event", point.seq, {"head": point.head})
    return point, token


def take(session: Session, key_dir: Path, issuer: str, now: datetime) -> tuple[Checkpoint, str]:
    """The checkpoint of the chain as it is now, and its signed token (refused if the chain is broken:
    signing a broken chain's head would vouch for it)."""
    report = verify(session)
    if not report.ok:
        raise ValueError(f"the audit chain is broken at entry {report.problems[0].seq}: no checkpoint")
    point = Checkpoint(report.entries, report.head_hash, int(now.timestamp()))
    kid, key = current_signer(key_dir, STATUS)
    claims = {
        "typ": KIND,
        "iss": issuer,
        "iat": point.at,
        "exp": 2**31 - 1,
        "seq": point.seq,
        "head": point.head,
    }
    return point, sign(claims, key, kid, TYP)


def _genuine(token: str, key_dir: Path) -> dict:
    """Checkpoints signed with the status key and typed, or (taken before key purposes) with an
    untyped-format certificate key and untyped."""
    try:
        return genuine_claims(token, public_keys(key_dir, STATUS).keys, TYP)
    except TokenError as exc:
        if exc.reason != "unknown_key":
            raise
    legacy = public_keys(key_dir, CERTIFICATE)
    return genuine_claims(
        token, {k: v for k, v in legacy.keys.items() if k in legacy.untyped}, TYP, legacy.untyped
    )


def check(session: Session, token: str, key_dir: Path) -> CheckpointResult:
    """Is this checkpoint genuine, and does the chain still hold the head it names?"""
    try:
        claims = _genuine(token.strip(), key_dir)
        if claims.get("typ") != KIND:
            raise TokenError("malformed")
        point = Checkpoint(int(claims["seq"]), str(claims["head"]), int(claims["iat"]))
    except (TokenError, KeyError, TypeError, ValueError):
        return CheckpointResult(None, N_("not a checkpoint signed by this bureau"))
    if point.seq == 0:
        return CheckpointResult(point)
    stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == point.seq))
    if stored is None:
        return CheckpointResult(point, N_("entry %(seq)d is gone"))
    if stored != point.head:
        return CheckpointResult(
            point, N_("entry %(seq)d differs from the checkpoint: the chain was rewritten")
        )
    return CheckpointResult(point)
