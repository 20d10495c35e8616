"""Key files in the key directory: 32 random bytes, base64, readable by the owner only.

Keys never live in the database, so a database dump or backup holds only ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32


class KeyFileError(RuntimeError):
    """A key file is missing, malformed or readable by others."""


@dataclass(frozen=True)
class SymmetricKey:
    key_id: str  # derived from the key itself, so a ciphertext names the key it needs
    material: bytes

    def __repr__(self) -> str:  # never print key material
        return f"SymmetricKey(key_id={self.key_id!r})"


def key_id_of(material: bytes) -> str:
    return hashlib.sha256(b"examsvc-key-id" + material).hexdigest()[:16]


def _refuse_loose_permissions(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path} can be read by others (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}"
        )


def ensure_key_dir(key_dir: Path) -> None:
    key_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)


def create_key(key_dir: Path, name: str) -> SymmetricKey:
    """Write a new key file; refuses to overwrite an existing one."""
    ensure_key_dir(key_dir)
    material = secrets.token_bytes(KEY_BYTES)
    path = key_dir / f"{name}.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(material).decode() + "\n")
    return SymmetricKey(key_id_of(material), material)


def load_key(key_dir: Path, name: str) -> SymmetricKey:
    path = key_dir / f"{name}.key"
    if not path.exists():
        raise KeyFileError(f"key file {path} is missing; run: examsvc keys init")
    _refuse_loose_permissions(path)
    try:
        material = base64.b64decode(path.read_text().strip(), validate=True)
    except ValueError as exc:
        raise KeyFileError(f"{path} is not a base64 key") from exc
    if len(material) != KEY_BYTES:
        raise KeyFileError(f"{path} holds {len(material)} bytes, expected {KEY_BYTES}")
    return SymmetricKey(key_id_of(material), material)


def load_or_create_key(key_dir: Path, name: str) -> SymmetricKey:
    if (key_dir / f"{name}.key").exists():
        return load_key(key_dir, name)
    return create_key(key_dir, name)
