"""The app's keys, all in the key directory (never in the database).

- `personal_data.key`: seals personal data (ID numbers, phone numbers, TOTP secrets).
- `id_lookup.key`: the HMAC key of the keyed hash by which an ID number is looked up.
- `bank-kek-<UTC time>.key`: key-encryption keys of the question bank; the newest wraps new data
  keys, older ones stay until `examsvc bank rotate-key` has re-wrapped everything they wrapped.
- `cert-kek.key` and `cert-signing-<UTC time>.json`: certificate signing keys (core/signing_keys.py).
- `doc-signing-ca.pem`, `doc-signing.pem`, `doc-signing-key.pem`: what signs the certificate PDFs
  (core/pdf_signing.py); development makes a local CA, production installs the bureau's own.

Development creates missing keys on first start; production refuses to start without them
(`examsvc keys init` creates them), so a misconfigured key directory never silently makes fresh
keys that cannot read yesterday's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import pdf_signing, signing_keys
from .crypto.keyfiles import KeyFileError, SymmetricKey, create_key, ensure_key_dir, load_key

PERSONAL_DATA = "personal_data"
ID_LOOKUP = "id_lookup"  # HMAC key: finds the same person again without storing the number in clear
BANK_KEK_PREFIX = "bank-kek-"


def bank_kek_names(key_dir: Path) -> list[str]:
    # The UTC time in the name sorts them oldest first.
    return sorted(p.stem for p in key_dir.glob(f"{BANK_KEK_PREFIX}*.key"))


def create_bank_kek(key_dir: Path) -> SymmetricKey:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return create_key(key_dir, BANK_KEK_PREFIX + stamp)


def init_keys(key_dir: Path, lead_seconds: float = 72 * 3600) -> list[str]:
    """Create the key files that are missing; returns the names created. `lead_seconds`: how far
    ahead a signing key that replaces an untyped-format one is published."""
    ensure_key_dir(key_dir)
    created = []
    for name in (PERSONAL_DATA, ID_LOOKUP):
        if not (key_dir / f"{name}.key").exists():
            create_key(key_dir, name)
            created.append(name)
    if not bank_kek_names(key_dir):
        create_bank_kek(key_dir)
        created.append(bank_kek_names(key_dir)[-1])
    created += signing_keys.ensure_signing_keys(key_dir, lead_seconds)
    if not all((key_dir / name).exists() for name in pdf_signing.FILES):
        pdf_signing.ensure_document_signer(key_dir, "examsvc document signing")  # no bureau name here
        created += pdf_signing.FILES
    return created


@dataclass(frozen=True)
class BankKeks:
    by_id: dict[str, SymmetricKey]
    current: SymmetricKey  # the newest: wraps new data keys
    names: dict[str, str]  # key id -> file name, to say which file may be destroyed


@dataclass(frozen=True)
class Keyring:
    key_dir: Path
    personal_data: SymmetricKey
    id_lookup: SymmetricKey

    def personal_data_keys(self) -> dict[str, SymmetricKey]:
        return {self.personal_data.key_id: self.personal_data}

    def bank_keks(self) -> BankKeks:
        """Read from the key directory on every call, so a rotation done by one process is seen by
        all running workers at once (no restart, no downtime). A handful of small files."""
        names = bank_kek_names(self.key_dir)
        if not names:
            raise KeyFileError(f"no bank key-encryption key in {self.key_dir}; run: examsvc keys init")
        keys = [(name, load_key(self.key_dir, name)) for name in names]
        return BankKeks(
            by_id={key.key_id: key for _, key in keys},
            current=keys[-1][1],
            names={key.key_id: name for name, key in keys},
        )


def load_keyring(key_dir: Path, create_missing: bool, lead_seconds: float = 72 * 3600) -> Keyring:
    if create_missing:
        init_keys(key_dir, lead_seconds)
    keyring = Keyring(
        key_dir=key_dir,
        personal_data=load_key(key_dir, PERSONAL_DATA),
        id_lookup=load_key(key_dir, ID_LOOKUP),
    )
    keyring.bank_keks()  # fail at start-up, not at the first exam, when the bank key is missing
    for purpose in signing_keys.PREFIXES:
        if not signing_keys.published(key_dir, purpose):
            raise KeyFileError(f"no {purpose} signing key in {key_dir}; run: examsvc keys init")
    missing = [name for name in pdf_signing.FILES if not (key_dir / name).exists()]
    if missing:  # else every certificate PDF would fail at its download
        raise KeyFileError(
            f"no document-signing certificate in {key_dir} ({', '.join(missing)}): install the bureau's"
            " (docs/pdf-signing.md) or run: examsvc keys init"
        )
    return keyring
