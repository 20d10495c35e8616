"""The encrypted, integrity-protected bundle that moves a bank between installations. Pure.

Layout: MAGIC | header length (4 bytes, big-endian) | header (JSON) | nonce (12) | ciphertext.
The key comes from a passphrase both bureaus know (scrypt); AES-256-GCM protects the records and,
as associated data, the header: any changed byte anywhere makes the whole bundle refused.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
import struct
from collections.abc import Iterable
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"EXAMSVC-BANK-BUNDLE/1\n"
MIN_PASSPHRASE = 12
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MAX_HEADER = 4096


class BundleError(ValueError):
    """The bundle cannot be read: not a bundle, altered, or the passphrase is wrong."""


def is_bundle(data: bytes) -> bool:
    return data.startswith(MAGIC)


def _key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(
        passphrase.encode("utf-8")
    )


def pack(records: Iterable[dict[str, object]], passphrase: str, origin: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BundleError(f"the passphrase needs at least {MIN_PASSPHRASE} characters")
    records = list(records)
    salt = secrets.token_bytes(16)
    header = json.dumps(
        {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "origin": origin,
            "count": len(records),
            "salt": base64.b64encode(salt).decode(),
            "kdf": {"name": "scrypt", **SCRYPT},
            "cipher": "AES-256-GCM",
        },
        sort_keys=True,
    ).encode()
    head = MAGIC + struct.pack(">I", len(header)) + header
    body = gzip.compress(
        b"\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() for r in records)
    )
    nonce = secrets.token_bytes(12)
    return head + nonce + AESGCM(_key(passphrase, salt, SCRYPT)).encrypt(nonce, body, head)


def unpack(data: bytes, passphrase: str) -> tuple[dict[str, object], list[object]]:
    """The header and the records (still to be validated like any authoring record)."""
    if not is_bundle(data):
        raise BundleError("not an examsvc bank bundle")
    try:
        (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
        if length > MAX_HEADER:
            raise ValueError("header too long")
        head_end = len(MAGIC) + 4 + length
        header = json.loads(data[len(MAGIC) + 4 : head_end])
        salt = base64.b64decode(header["salt"])
        params = {k: int(header["kdf"][k]) for k in ("n", "r", "p")}
        if params != SCRYPT:
            raise ValueError("unexpected key-derivation parameters")
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError, struct.error) as exc:
        raise BundleError("the bundle header is damaged") from exc
    nonce, ciphertext = data[head_end : head_end + 12], data[head_end + 12 :]
    if len(nonce) != 12:  # AESGCM raises a bare ValueError for a short nonce
        raise BundleError("the bundle is truncated")
    try:
        body = AESGCM(_key(passphrase, salt, params)).decrypt(nonce, ciphertext, data[:head_end])
    except InvalidTag as exc:
        raise BundleError("the bundle was altered, or the passphrase is wrong") from exc
    lines = gzip.decompress(body).split(b"\n") if body else []
    records = [json.loads(line) for line in lines if line]
    if len(records) != header.get("count"):
        raise BundleError("the bundle holds a different number of records than its header says")
    return header, records
