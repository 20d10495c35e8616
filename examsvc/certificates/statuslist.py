"""A revocation list in the spirit of the W3C Bitstring Status List: bit i set = certificate with
status index i revoked. GZIP-compressed, base64url, at least 16 KiB of bits so that the list does
not tell how many certificates exist. Pure."""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from ..core.crypto.jws import b64url, unb64url

MIN_BITS = 131_072


def encode(revoked: Iterable[int], size: int) -> str:
    bits = bytearray(max(MIN_BITS, size + 1) // 8 + 1)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)  # most significant bit first, as the W3C list
    return b64url(gzip.compress(bytes(bits), mtime=0))


def is_set(encoded: str, index: int) -> bool:
    bits = gzip.decompress(unb64url(encoded))
    if not 0 <= index < len(bits) * 8:
        raise ValueError("status index outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
