"""Certificate signing keys in the key directory: Ed25519, private halves sealed at rest.

- `cert-kek.key`: wraps the private signing keys (AES-256-GCM, the key id as associated data).
- `cert-signing-<UTC time>.json`: one signing key: its kid, public half (JWK `x`) and sealed
  private half. The newest signs; older keys stay published in the JWKS so that the certificates
  they signed keep verifying until they expire.

`examsvc keys rotate` adds a new signing key. Each use reads the newest files, so a rotation by one
process is picked up by every worker at once; verification caches the public halves (public_keys).
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
PREFIX = "cert-signing-"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Ed25519PublicKey
    sealed_private: bytes

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.public, self.kid)


def _files(key_dir: Path) -> list[Path]:
    return sorted(key_dir.glob(f"{PREFIX}*.json"))  # the UTC time in the name sorts oldest first


def _aad(kid: str) -> bytes:
    return f"examsvc-cert-signing:{kid}".encode()


def rotate(key_dir: Path) -> SigningKey:
    """A new signing key; it signs from now on."""
    ensure_key_dir(key_dir)
    kek = load_or_create_key(key_dir, KEK)
    private = Ed25519PrivateKey.generate()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    kid = f"{stamp[:8]}-{b64url(os.urandom(6))}"
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key()
    record = {
        "kid": kid,
        "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "sealed": b64url(seal(kek, raw, _aad(kid))),
    }
    path = key_dir / f"{PREFIX}{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    return SigningKey(kid, public, unb64url(record["sealed"]))


def ensure_signing_key(key_dir: Path) -> None:
    if not _files(key_dir):
        rotate(key_dir)


def published(key_dir: Path) -> list[SigningKey]:
    """Every signing key, oldest first (public halves; the private ones stay sealed)."""
    keys = []
    for path in _files(key_dir):
        record = json.loads(path.read_text())
        public = Ed25519PublicKey.from_public_bytes(unb64url(record["x"]))
        keys.append(SigningKey(record["kid"], public, unb64url(record["sealed"])))
    return keys


def current_signer(key_dir: Path) -> tuple[str, Ed25519PrivateKey]:
    keys = published(key_dir)
    if not keys:
        raise KeyFileError(f"no certificate signing key in {key_dir}; run: examsvc keys rotate")
    newest = keys[-1]
    kek = load_or_create_key(key_dir, KEK)
    raw = unseal({kek.key_id: kek}, newest.sealed_private, _aad(newest.kid))
    return newest.kid, Ed25519PrivateKey.from_private_bytes(raw)


# Per process: (when last looked, directory stamp, keys by kid). The directory is looked at again
# at most once a second (a withdrawn key stops verifying within a second), or at once when a token
# names a kid we do not know (a rotation by another process is picked up on its first token).
_PUBLIC_CACHE: dict[Path, tuple[float, tuple, dict[str, Ed25519PublicKey]]] = {}
RECHECK_SECONDS = 1.0


def public_keys(key_dir: Path, *, look_again: bool = False) -> dict[str, Ed25519PublicKey]:
    """The verification keys; the same dict while the key directory is unchanged (a rotation adds
    a file, which changes the directory's mtime and file count): every verification needs them."""
    now = time.monotonic()
    cached = _PUBLIC_CACHE.get(key_dir)
    if cached is not None and not look_again and now - cached[0] < RECHECK_SECONDS:
        return cached[2]
    stamp = (key_dir.stat().st_mtime_ns, len(_files(key_dir)))
    if cached is None or cached[1] != stamp:
        keys = {key.kid: key.public for key in published(key_dir)}
    else:
        keys = cached[2]
    _PUBLIC_CACHE[key_dir] = (now, stamp, keys)
    return keys
