"""The certificate token format: RFC 8037's test vector, interop with independent JOSE libraries,
and every forgery we can think of refused."""

from __future__ import annotations

import hashlib
import hmac
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jwc_jwk
from jwcrypto import jws as jwc_jws

from examsvc.core.crypto.jws import TokenError, b64url, check_signature, public_jwk, sign, unb64url, verify

# RFC 8037, Appendix A.1 (key) and A.4 (signature over "Example of Ed25519 signing").
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)
NOW = 1_800_000_000
CLAIMS = {"jti": "AQ2026000001", "nbf": NOW - 10, "exp": NOW + 1000, "name": "张三", "id4": "123X", "hrs": 24}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_rfc8037_vector():
    private = Ed25519PrivateKey.from_private_bytes(unb64url(RFC_D))
    assert public_jwk(private.public_key(), "k")["x"] == RFC_X
    header, payload = check_signature(RFC_JWS, private.public_key())
    assert header == {"alg": "EdDSA"} and payload == b"Example of Ed25519 signing"
    signing_input = RFC_JWS.rsplit(".", 1)[0]
    assert (
        b64url(private.sign(signing_input.encode())) == RFC_JWS.rsplit(".", 1)[1]
    )  # Ed25519 is deterministic


def test_round_trip(key):
    token = sign(CLAIMS, key, "k1")
    assert verify(token, {"k1": key.public_key()}, NOW) == CLAIMS


def test_independent_libraries_verify_our_tokens(key):
    token = sign(CLAIMS, key, "k1")
    jwk = public_jwk(key.public_key(), "k1")
    # PyJWT
    pyjwt_key = pyjwt.PyJWK(jwk)
    decoded = pyjwt.decode(
        token, pyjwt_key.key, algorithms=["EdDSA"], options={"verify_nbf": False, "verify_exp": False}
    )
    assert decoded == CLAIMS and pyjwt.get_unverified_header(token)["kid"] == "k1"
    # jwcrypto
    verifier = jwc_jws.JWS()
    verifier.deserialize(token)
    verifier.verify(jwc_jwk.JWK(**jwk))
    assert json.loads(verifier.payload) == CLAIMS


def test_we_verify_tokens_signed_by_an_independent_library(key):
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    token = pyjwt.encode(CLAIMS, pem, algorithm="EdDSA", headers={"kid": "k1"})
    assert verify(token, {"k1": key.public_key()}, NOW) == CLAIMS


def _forged(header: dict, claims: dict, signature: bytes) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}.{b64url(signature)}"


def test_alg_none_is_refused(key):
    with pytest.raises(TokenError) as refused:
        verify(_forged({"alg": "none", "kid": "k1"}, CLAIMS, b""), {"k1": key.public_key()}, NOW)
    assert refused.value.reason in {"algorithm", "malformed"}
    token = _forged({"alg": "none", "kid": "k1"}, CLAIMS, b"x")
    with pytest.raises(TokenError, match="algorithm"):
        verify(token, {"k1": key.public_key()}, NOW)


def test_hs256_key_confusion_is_refused(key):
    """The classic attack: HMAC-sign with the published public key as the secret."""
    public = unb64url(public_jwk(key.public_key(), "k1")["x"])
    header = {"alg": "HS256", "kid": "k1"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(CLAIMS).encode())}"
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(TokenError, match="algorithm"):
        verify(f"{signing_input}.{b64url(mac)}", {"k1": key.public_key()}, NOW)


def test_unknown_kid_expired_and_not_yet_valid(key):
    token = sign(CLAIMS, key, "k9")
    with pytest.raises(TokenError, match="unknown_key"):
        verify(token, {"k1": key.public_key()}, NOW)
    with pytest.raises(TokenError, match="expired"):
        verify(sign(CLAIMS, key, "k1"), {"k1": key.public_key()}, CLAIMS["exp"])
    with pytest.raises(TokenError, match="not_yet_valid"):
        verify(sign(CLAIMS, key, "k1"), {"k1": key.public_key()}, CLAIMS["nbf"] - 1)


def test_another_key_with_the_same_kid_is_refused(key):
    other = Ed25519PrivateKey.generate()
    with pytest.raises(TokenError, match="signature"):
        verify(sign(CLAIMS, other, "k1"), {"k1": key.public_key()}, NOW)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_byte_is_refused(position, bit):
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"fixed test key").digest())
    token = sign(CLAIMS, key, "k1").encode()
    at = position % len(token)
    changed = bytearray(token)
    changed[at] ^= 1 << bit
    flipped = bytes(changed).decode("latin-1")
    with pytest.raises(TokenError):
        verify(flipped, {"k1": key.public_key()}, NOW)
