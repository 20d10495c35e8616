"""TOTP (RFC 6238) with replay refusal: a code is accepted once, and never an older step."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

DIGITS = 6
STEP_SECONDS = 30
SECRET_BYTES = 20
ALLOWED_DRIFT_STEPS = 1  # accept the previous and the next step for clock drift


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def secret_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def _totp(secret: bytes) -> TOTP:
    # SHA-1: what RFC 6238 and every authenticator app use; HMAC-SHA1 is not weakened by collisions.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303  # nosec B303


def code_at(secret: bytes, when: float) -> str:
    return _totp(secret).generate(int(when)).decode("ascii")


def matching_step(secret: bytes, code: str, now: float, last_used_step: int | None) -> int | None:
    """The time step the code belongs to, if it is valid now and newer than the last used step."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):  # "١٢٣٤٥٦" is no code
        return None
    current = int(now) // STEP_SECONDS
    totp = _totp(secret)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if last_used_step is not None and step <= last_used_step:
            continue  # replay of a used code, or an older code after a newer one was used
        try:
            totp.verify(code.encode("ascii"), step * STEP_SECONDS)
        except InvalidToken:
            continue
        return step
    return None


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}")
    return (
        f"otpauth://totp/{label}?secret={secret_base32(secret)}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
