"""JWS compact tokens signed with Ed25519 (RFC 7515, RFC 8037). Pure: keys are arguments.

The verifier trusts nothing in the token but what it checks: the algorithm must be EdDSA (so `none`
and HMAC key-confusion tokens are refused before any key is touched), the `kid` must name a key the
caller holds, the `typ` must be the one the caller expects (RFC 8725 §3.11: a token of one kind is
never read as another), the signature must cover the exact bytes received, and the time claims must
hold.

`EdDSA`, not RFC 9864's fully specified `Ed25519`: PyJWT and authlib.jose do not verify `Ed25519`
yet (docs/certificates.md has the matrix, tests/test_jose_matrix.py keeps it true).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG = "EdDSA"
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class TokenError(ValueError):
    """Why a token does not verify: malformed, algorithm, unknown_key, type, signature, expired,
    not_yet_valid."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Strict: the unpadded URL-safe alphabet only, as RFC 7515 requires, in its one canonical spelling."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise TokenError("malformed")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed") from exc
    if b64url(data) != text:  # unused low bits set: another spelling of the same bytes is not ours
        raise TokenError("malformed")
    return data


def _json_object(data: bytes) -> dict:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, too deep, an int over 4300 digits
        raise TokenError("malformed") from exc
    if not isinstance(value, dict):
        raise TokenError("malformed")
    return value


def _json_part(text: str) -> dict:
    return _json_object(unb64url(text))


def _compact(value: Mapping[str, object]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def sign(
    claims: Mapping[str, object],
    key: Ed25519PrivateKey,
    kid: str,
    typ: str | None = None,
    cty: str | None = None,
) -> str:
    header = {"alg": ALG, "kid": kid}
    header |= {"typ": typ} if typ is not None else {}
    header |= {"cty": cty} if cty is not None else {}
    signing_input = b64url(_compact(header)) + "." + b64url(_compact(claims))
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def check_signature(token: str, key: Ed25519PublicKey) -> tuple[dict, bytes]:
    """The protected header and the payload bytes of a token signed by this key, or TokenError."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise TokenError("malformed")
    header = _json_part(parts[0])
    if header.get("alg") != ALG or "crit" in header:
        raise TokenError("algorithm")
    payload, signature = unb64url(parts[1]), unb64url(parts[2])
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as exc:
        raise TokenError("signature") from exc
    return header, payload


def header_of(token: str) -> dict:
    """The unverified header: only to pick the key; never trusted for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed")
    return _json_part(parts[0])


def genuine_claims(
    token: str,
    keys: Mapping[str, Ed25519PublicKey],
    typ: str | None = None,
    untyped_kids: frozenset[str] = frozenset(),
) -> dict:
    """The claims of a token signed by one of these keys, whatever the time; TokenError otherwise.
    `typ`: the type the token must declare; only a kid in `untyped_kids` may sign one declaring none
    (keys from before types were declared)."""
    header = header_of(token)
    if header.get("alg") != ALG:
        raise TokenError("algorithm")
    kid = str(header.get("kid", ""))
    key = keys.get(kid)
    if key is None:
        raise TokenError("unknown_key")
    if typ is not None and header.get("typ") != typ and not ("typ" not in header and kid in untyped_kids):
        raise TokenError("type")
    claims = _json_object(check_signature(token, key)[1])
    if not isinstance(claims.get("exp"), int):
        raise TokenError("malformed")
    return claims


def verify(token: str, keys: Mapping[str, Ed25519PublicKey], now: int, typ: str | None = None) -> dict:
    """The claims of a genuine, current token; TokenError with the reason otherwise."""
    claims = genuine_claims(token, keys, typ)
    if now >= claims["exp"]:
        raise TokenError("expired")
    if now < int(claims.get("nbf", 0)):
        raise TokenError("not_yet_valid")
    return claims


def public_jwk(key: Ed25519PublicKey, kid: str) -> dict[str, str]:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "alg": ALG, "use": "sig"}


def public_key_of(jwk: Mapping[str, object]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise TokenError("algorithm")
    return Ed25519PublicKey.from_public_bytes(unb64url(str(jwk.get("x", ""))))
