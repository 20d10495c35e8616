"""Envelope encryption of question content. Pure: keys are arguments, no database here.

Content is sealed under a data key (DEK); DEKs are stored wrapped by a key-encryption key (KEK)
that lives in a key file. Rotating the KEK re-wraps the few DEKs and touches no question.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping

from ..core.crypto import aead
from ..core.crypto.keyfiles import KEY_BYTES, SymmetricKey


def content_aad(question_id: int, version: int) -> bytes:
    # Binds a ciphertext to its row: copied onto another question or version, it fails to open.
    return f"examsvc-question:{question_id}:v{version}".encode()


def _dek_aad(dek_key_id: str) -> bytes:
    return f"examsvc-bank-dek:{dek_key_id}".encode()


def new_data_key() -> SymmetricKey:
    return SymmetricKey(secrets.token_hex(16), secrets.token_bytes(KEY_BYTES))


def wrap(kek: SymmetricKey, dek: SymmetricKey) -> bytes:
    return aead.seal(kek, dek.material, _dek_aad(dek.key_id))


def unwrap(keks: Mapping[str, SymmetricKey], dek_key_id: str, wrapped: bytes) -> SymmetricKey:
    return SymmetricKey(dek_key_id, aead.unseal(keks, wrapped, _dek_aad(dek_key_id)))


def canonical_json(payload: Mapping[str, object]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_json(dek: SymmetricKey, payload: Mapping[str, object], aad: bytes) -> bytes:
    return aead.seal(dek, canonical_json(payload), aad)


def open_json(deks: Mapping[str, SymmetricKey], sealed: bytes, aad: bytes) -> dict[str, object]:
    return json.loads(aead.unseal(deks, sealed, aad).decode("utf-8"))


def seal_content(dek: SymmetricKey, content: Mapping[str, object], question_id: int, version: int) -> bytes:
    return seal_json(dek, content, content_aad(question_id, version))


def open_content(
    deks: Mapping[str, SymmetricKey], sealed: bytes, question_id: int, version: int
) -> dict[str, object]:
    return open_json(deks, sealed, content_aad(question_id, version))
