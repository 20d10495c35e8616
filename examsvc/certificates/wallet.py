"""The certificate as a W3C Verifiable Credential (VC Data Model 2.0), for a trainee's wallet, and
its status as W3C Bitstring Status Lists. Pure: the views sign and serve them.

- The credential is secured with JOSE as VC-JOSE-COSE asks: a compact JWS whose payload is the
  credential itself, `typ: vc+jwt`, `cty: vc`, signed with the certificate key (its `typ` keeps it
  apart from the certificate token, which every verifier of ours requires).
- Its `credentialStatus` holds two BitstringStatusListEntry objects, revocation and suspension,
  at the certificate's status index; each list is a BitstringStatusListCredential (also vc+jwt,
  signed with the status key) whose `encodedList` is the multibase (base64url, "u") GZIP of a
  bitstring read from its most significant bit, as that recommendation says.
- Terms beyond the core context (the qualification's fields) fall under the v2 context's
  issuer-dependent vocabulary: no context of our own to host.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from datetime import datetime

from ..core.crypto.jws import b64url
from . import statuslist

CONTEXT = "https://www.w3.org/ns/credentials/v2"
TYP, CTY = "vc+jwt", "vc"
MEDIA_TYPE = "application/vc+jwt"
PURPOSES = ("revocation", "suspension")
MIN_BITS = 131_072  # the recommendation's minimum: 16 KiB, so a list says nothing about its size


def _time(moment: datetime) -> str:
    return moment.astimezone().isoformat(timespec="seconds")


def list_url(base_url: str, purpose: str) -> str:
    return f"{base_url.rstrip('/')}/s/vc/{purpose}"


def credential(
    *,
    base_url: str,
    bureau: str,
    number: str,
    issued_at: datetime,
    expires_at: datetime,
    subject: dict[str, object],
    status_index: int,
) -> dict[str, object]:
    return {
        "@context": [CONTEXT],
        "id": f"urn:examsvc:certificate:{number}",
        "type": ["VerifiableCredential", "WorkSafetyTrainingCertificate"],
        "issuer": {"id": base_url.rstrip("/"), "name": bureau},
        "validFrom": _time(issued_at),
        "validUntil": _time(expires_at),
        "credentialSubject": subject,
        "credentialStatus": [
            {
                "id": f"{list_url(base_url, purpose)}#{status_index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(status_index),
                "statusListCredential": list_url(base_url, purpose),
            }
            for purpose in PURPOSES
        ],
    }


def encoded_list(set_indexes: Iterable[int], size: int = statuslist.LIST_SIZE) -> str:
    """The multibase GZIP bitstring, bit 0 the most significant bit of byte 0."""
    bits = bytearray(max(size, MIN_BITS) // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


def status_list_credential(
    *, base_url: str, bureau: str, purpose: str, set_indexes: Iterable[int], now: datetime, until: datetime
) -> dict[str, object]:
    url = list_url(base_url, purpose)
    return {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": base_url.rstrip("/"), "name": bureau},
        "validFrom": _time(now),
        "validUntil": _time(until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list(set_indexes),
        },
    }
