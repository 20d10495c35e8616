"""The status list of draft-ietf-oauth-status-list (§4.1): one status of `BITS` bits per index,
packed from the least significant bit of each byte up, ZLIB-compressed at the highest level,
base64url. Pure.

The list is large (LIST_SIZE indexes) and certificates take random indexes in it (status.py), so
the list tells neither how many certificates exist nor in which order they were issued: an unused
index reads VALID, as the draft recommends (§12.3).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from ..core.crypto.jws import b64url, unb64url

BITS = 2  # VALID, INVALID (revoked) and SUSPENDED need two
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02  # the draft's registered status types (§7.1)
LIST_SIZE = 1 << 20  # indexes per list: 256 KiB of statuses, a few hundred bytes compressed
MAX_INFLATED = LIST_SIZE * BITS // 8  # a list that inflates beyond this is not ours: refused


def encode(statuses: Mapping[int, int], size: int = LIST_SIZE, bits: int = BITS) -> str:
    """`lst`: the statuses that are not VALID, by index."""
    per_byte = 8 // bits
    raw = bytearray(size * bits // 8)
    for index, status in statuses.items():
        if not 0 <= index < size or not 0 <= status < (1 << bits):
            raise ValueError(f"status {status} at index {index} does not fit the list")
        raw[index // per_byte] |= status << ((index % per_byte) * bits)
    return b64url(zlib.compress(bytes(raw), 9))


def decode(lst: str, max_bytes: int = MAX_INFLATED) -> bytes:
    """The byte array of `lst`, refusing one that inflates past `max_bytes` (a ZLIB bomb)."""
    inflater = zlib.decompressobj()
    raw = inflater.decompress(unb64url(lst), max_bytes + 1)
    if len(raw) > max_bytes or not inflater.eof:
        raise ValueError("the status list is larger than any list of ours")
    return raw


def status_at(raw: bytes, index: int, bits: int = BITS) -> int:
    """The status at `index`; ValueError beyond the list (the draft: no statement can be made)."""
    per_byte = 8 // bits
    if not 0 <= index < len(raw) * per_byte:
        raise ValueError("status index outside the list")
    return (raw[index // per_byte] >> ((index % per_byte) * bits)) & ((1 << bits) - 1)
