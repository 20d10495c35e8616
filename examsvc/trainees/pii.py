"""Sealing and finding personal data: keyed hash for lookup, AES-GCM for storage. Pure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from ..core.crypto import aead
from ..core.crypto.keyfiles import SymmetricKey
from ..core.identity import normalise


def id_hash(lookup_key: SymmetricKey, doc_type: str, number: str) -> str:
    """The same person gives the same hash in every class; without the key it reveals nothing."""
    message = f"{doc_type}:{normalise(number)}".encode()
    return hmac.new(lookup_key.material, message, hashlib.sha256).hexdigest()


def seal(key: SymmetricKey, value: str, what: str, hashed_id: str) -> bytes:
    return aead.seal(key, value.encode("utf-8"), f"trainee-{what}:{hashed_id}".encode())


def unseal(keys: Mapping[str, SymmetricKey], sealed: bytes, what: str, hashed_id: str) -> str:
    return aead.unseal(keys, sealed, f"trainee-{what}:{hashed_id}".encode()).decode("utf-8")
