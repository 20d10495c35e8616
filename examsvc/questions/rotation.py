"""Key rotation: a new key-encryption key re-wraps every data key; no question is re-encrypted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.keyring import Keyring, create_bank_kek
from . import envelope
from .models import BankDataKey


@dataclass(frozen=True)
class RotationReport:
    new_key_id: str
    rewrapped: int
    old_files: list[str]  # may be destroyed once the transaction has committed


def rotate_kek(session: Session, actor: Actor, keyring: Keyring) -> RotationReport:
    old = keyring.bank_keks()
    new = create_bank_kek(keyring.key_dir)  # the old files stay, so running workers keep working
    keks = {**old.by_id, new.key_id: new}
    rows = list(session.scalars(select(BankDataKey)))
    for row in rows:
        row.wrapped = envelope.wrap(new, envelope.unwrap(keks, row.key_id, row.wrapped))
    session.flush()
    record(session, actor, "bank.rotate_key", "bank", "kek", {"new_kek": new.key_id, "rewrapped": len(rows)})
    return RotationReport(new.key_id, len(rows), sorted(old.names.values()))


def destroy_old_keks(session: Session, keyring: Keyring, old_files: list[str]) -> list[str]:
    """Delete the old key files, but only after checking every data key opens with the newest alone."""
    current = keyring.bank_keks().current
    for row in session.scalars(select(BankDataKey)):
        envelope.unwrap(
            {current.key_id: current}, row.key_id, row.wrapped
        )  # raises if one still needs an old key
    for name in old_files:
        (keyring.key_dir / f"{name}.key").unlink()
    return old_files
