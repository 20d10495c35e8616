"""Signing keys in the key directory: Ed25519, private halves sealed at rest, one purpose each.

- `cert-kek.key`: wraps the private signing keys (AES-256-GCM, the key id as associated data).
- `cert-signing-<UTC time>.json`: a key that signs certificates; `status-signing-<UTC time>.json`:
  a key that signs status lists and audit checkpoints. Two purposes, two keys (RFC 8725 §3.12):
  a token signed by one can never pass for the other's, whatever its claims say.

A key record holds its kid, public half (JWK `x`), sealed private half, and since when it signs
(`signs_from`, Unix seconds). A rotation publishes the next key ahead of its use (`lead`), so that a
verifier holding a JWKS fetched before the rotation never meets a kid it has not seen; the key
before it keeps signing until then. Records written before key purposes existed have no `format`
(format 1): they signed untyped tokens, which stay readable until they expire (UNTYPED_FORMAT).

Each use reads the files, so a rotation by one process is picked up by every worker at once;
verification caches the public halves (public_keys).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .crypto.aead import seal, unseal
from .crypto.jws import b64url, public_jwk, unb64url
from .crypto.keyfiles import KeyFileError, ensure_key_dir, load_or_create_key

KEK = "cert-kek"
CERTIFICATE, STATUS = "certificate", "status"
PREFIXES = {CERTIFICATE: "cert-signing-", STATUS: "status-signing-"}
UNTYPED_FORMAT = 1  # records without a "format": their tokens carry no `typ`
FORMAT = 2


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Ed25519PublicKey
    sealed_private: bytes
    purpose: str = CERTIFICATE
    format: int = FORMAT
    signs_from: float = 0.0

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.public, self.kid)


@dataclass(frozen=True)
class KeySet:
    """The public keys of one purpose, by kid, and the kids whose tokens may lack `typ`."""

    keys: dict[str, Ed25519PublicKey]
    untyped: frozenset[str]


def now() -> float:
    return time.time()  # one place: tests move a key's time by editing its record, not this


def _files(key_dir: Path, purpose: str) -> list[Path]:
    return sorted(key_dir.glob(f"{PREFIXES[purpose]}*.json"))  # the UTC time in the name sorts oldest first


def _aad(kid: str) -> bytes:
    return f"examsvc-cert-signing:{kid}".encode()


def _all_kids(key_dir: Path) -> set[str]:
    return {key.kid for purpose in PREFIXES for key in published(key_dir, purpose)}


def rotate(key_dir: Path, purpose: str = CERTIFICATE, lead_seconds: float = 0.0) -> SigningKey:
    """A new signing key, published at once and signing `lead_seconds` from now."""
    ensure_key_dir(key_dir)
    kek = load_or_create_key(key_dir, KEK)
    private = Ed25519PrivateKey.generate()
    taken = _all_kids(key_dir)
    kid = b64url(os.urandom(4))  # 6 characters: every certificate's QR code carries it
    while kid in taken:
        kid = b64url(os.urandom(4))
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key()
    record = {
        "kid": kid,
        "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "sealed": b64url(seal(kek, raw, _aad(kid))),
        "purpose": purpose,
        "format": FORMAT,
        "signs_from": int(now() + lead_seconds),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = key_dir / f"{PREFIXES[purpose]}{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    return _key_of(record, purpose)


def ensure_signing_keys(key_dir: Path, lead_seconds: float) -> list[str]:
    """Keys of both purposes that sign typed tokens. Where none exists the new key signs at once
    (nobody can hold an older key set); where only untyped-format certificate keys exist (an
    installation from before key purposes), the next key is published `lead_seconds` ahead."""
    created = []
    for purpose in PREFIXES:
        keys = published(key_dir, purpose)
        if not any(key.format >= FORMAT for key in keys):
            key = rotate(key_dir, purpose, lead_seconds if keys else 0.0)
            created.append(f"{purpose} signing key {key.kid}")
    return created


def _key_of(record: dict, purpose: str) -> SigningKey:
    return SigningKey(
        kid=record["kid"],
        public=Ed25519PublicKey.from_public_bytes(unb64url(record["x"])),
        sealed_private=unb64url(record["sealed"]),
        purpose=purpose,
        format=int(record.get("format", UNTYPED_FORMAT)),
        signs_from=float(record.get("signs_from", 0)),
    )


def published(key_dir: Path, purpose: str = CERTIFICATE) -> list[SigningKey]:
    """Every key of this purpose, oldest first, including one not signing yet (public halves)."""
    return [_key_of(json.loads(path.read_text()), purpose) for path in _files(key_dir, purpose)]


def signing_key(keys: list[SigningKey], at: float) -> SigningKey | None:
    """The key that signs at `at`: the newest whose time has come (pure)."""
    due = [key for key in keys if key.signs_from <= at]
    return due[-1] if due else None


def current_signer(key_dir: Path, purpose: str = CERTIFICATE) -> tuple[str, Ed25519PrivateKey]:
    key = signing_key(published(key_dir, purpose), now())
    if key is None:
        raise KeyFileError(f"no {purpose} signing key in {key_dir}; run: examsvc keys init")
    return key.kid, _unsealed(key_dir, key)


def signer_of(key_dir: Path, kid: str, purpose: str = CERTIFICATE) -> Ed25519PrivateKey:
    """The private half of a given key, retired or not: what signs a document that must verify as
    long as another token signed by that key does (the wallet copy of a certificate)."""
    key = next((k for k in published(key_dir, purpose) if k.kid == kid), None)
    if key is None:
        raise KeyFileError(f"no {purpose} signing key {kid} in {key_dir}")
    return _unsealed(key_dir, key)


def _unsealed(key_dir: Path, key: SigningKey) -> Ed25519PrivateKey:
    kek = load_or_create_key(key_dir, KEK)
    raw = unseal({kek.key_id: kek}, key.sealed_private, _aad(key.kid))
    return Ed25519PrivateKey.from_private_bytes(raw)


# Per process and purpose: (when last looked, directory stamp, key set). The directory is looked at
# again at most once a second (a withdrawn key stops verifying within a second), or at once when a
# token names a kid we do not know (a rotation by another process is picked up on its first token).
_PUBLIC_CACHE: dict[tuple[Path, str], tuple[float, tuple, KeySet]] = {}
RECHECK_SECONDS = 1.0


def public_keys(key_dir: Path, purpose: str = CERTIFICATE, *, look_again: bool = False) -> KeySet:
    """The verification keys; the same object while the key directory is unchanged (a rotation adds
    a file, which changes the directory's mtime and file count): every verification needs them."""
    moment = time.monotonic()
    cached = _PUBLIC_CACHE.get((key_dir, purpose))
    if cached is not None and not look_again and moment - cached[0] < RECHECK_SECONDS:
        return cached[2]
    stamp = (key_dir.stat().st_mtime_ns, len(_files(key_dir, purpose)))
    if cached is None or cached[1] != stamp:
        keys = published(key_dir, purpose)
        key_set = KeySet(
            {key.kid: key.public for key in keys},
            frozenset(key.kid for key in keys if key.format == UNTYPED_FORMAT),
        )
    else:
        key_set = cached[2]
    _PUBLIC_CACHE[(key_dir, purpose)] = (moment, stamp, key_set)
    return key_set


def to_publish(
    keys: list[SigningKey], at: float, still_needed: set[str], grace_seconds: float = 0.0
) -> list[SigningKey]:
    """The keys a JWKS lists at `at` (pure): the one signing, the next ones (published ahead of
    use), and retired ones that are `still_needed` (a certificate they signed has not expired) or
    retired less than `grace_seconds` ago (a status list they signed may still be cached)."""
    current = signing_key(keys, at)
    shown = []
    for position, key in enumerate(keys):
        successor = next((k for k in keys[position + 1 :] if k.signs_from <= at), None)
        retired_for = at - successor.signs_from if successor is not None else 0.0
        if key is current or key.signs_from > at or key.kid in still_needed or retired_for < grace_seconds:
            shown.append(key)
    return shown
