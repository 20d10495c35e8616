"""AES-256-GCM records that name their algorithm and key, bound to their place by associated data.

Layout of a sealed record (bytes):
    version (1) | algorithm id (1) | key id length (1) | key id (ascii) | nonce (12) | ciphertext+tag
The algorithm id lets a deployment move to another cipher (e.g. SM4) without rewriting old rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keyfiles import SymmetricKey

FORMAT_VERSION = 1
ALG_AES256_GCM = 1
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The record is malformed, names an unknown key, or was altered or moved."""


def seal(key: SymmetricKey, plaintext: bytes, aad: bytes) -> bytes:
    kid = key.key_id.encode("ascii")
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(key.material).encrypt(nonce, plaintext, aad)
    return bytes([FORMAT_VERSION, ALG_AES256_GCM, len(kid)]) + kid + nonce + body


def record_key_id(record: bytes) -> str:
    if len(record) < 3 or record[0] != FORMAT_VERSION:
        raise DecryptionError("unknown record format")
    end = 3 + record[2]
    return record[3:end].decode("ascii", errors="replace")


def unseal(keys: Mapping[str, SymmetricKey], record: bytes, aad: bytes) -> bytes:
    kid = record_key_id(record)
    if record[1] != ALG_AES256_GCM:
        raise DecryptionError(f"unknown algorithm id {record[1]}")
    key = keys.get(kid)
    if key is None:
        raise DecryptionError(f"no key with id {kid}")
    start = 3 + record[2]
    nonce, body = record[start : start + NONCE_BYTES], record[start + NONCE_BYTES :]
    try:
        return AESGCM(key.material).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionError("record was altered or does not belong here") from exc
