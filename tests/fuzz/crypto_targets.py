"""Fuzz targets: the certificate token verifier (examsvc/core/crypto/jws.py) and the bank bundle reader
(examsvc/questions/bundle.py)."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fuzz_common import Target
from fuzz_common import text as _text

from examsvc.core.crypto import jws
from examsvc.questions import bundle

TOKEN_REASONS = {"malformed", "algorithm", "unknown_key", "signature", "expired", "not_yet_valid"}

# ---- signed tokens -------------------------------------------------------------------------------
# byte 0 even: the rest is the token as text. Odd: header JSON, payload JSON and signature bytes split
# by NUL, each part base64url-encoded here, so mutations reach the JSON inside a well-formed token.

_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"examsvc fuzz key").digest())
_KEYS = {"k1": _KEY.public_key()}
_GENUINE = jws.sign({"sub": "c-1", "exp": 4_000_000_000, "jti": "C-1"}, _KEY, "k1")
_NOW = 1_700_000_000


def _decode_token(data: bytes) -> str:
    if not data or data[0] % 2 == 0:
        return _text(data[1:])
    parts = data[1:].split(b"\0", 2)
    return ".".join(jws.b64url(p) for p in parts)


def jws_target(data: bytes) -> None:
    token = _decode_token(data)
    calls: tuple[Callable[[], object], ...] = (
        lambda: jws.verify(token, _KEYS, _NOW),
        lambda: jws.genuine_claims(token, _KEYS),
        lambda: jws.check_signature(token, _KEYS["k1"]),
    )
    for call in calls:
        try:
            call()
        except jws.TokenError as exc:
            assert exc.reason in TOKEN_REASONS, exc.reason
        else:  # canonical base64url only: the one genuine token is the only one that verifies
            assert token == _GENUINE, token
    try:
        assert isinstance(jws.header_of(token), dict)
    except jws.TokenError as exc:
        assert exc.reason in TOKEN_REASONS, exc.reason


def _token_parts_seed(*parts: bytes) -> bytes:
    return b"\x01" + b"\0".join(parts)


def _jws_seeds() -> list[bytes]:
    head, body, sig = (jws.unb64url(p) for p in _GENUINE.split("."))
    return [
        b"\x00" + _GENUINE.encode(),
        b"\x00" + _GENUINE[:-1].encode() + b"A",
        b"\x00" + _GENUINE.encode() + b"\n",
        b"\x00a.b.c",
        _token_parts_seed(head, body, sig),
        _token_parts_seed(b'{"alg":"none","kid":"k1"}', body, b""),
        _token_parts_seed(b'{"alg":"HS256","kid":"k1"}', body, sig),
        _token_parts_seed(b'{"alg":"EdDSA","kid":"k2","crit":["exp"]}', body, sig),
        _token_parts_seed(b'{"alg":"EdDSA","kid":1e400}', b"[]", sig),
        _token_parts_seed(b"[" * 1200, body, sig),  # nesting deeper than the recursion limit
        _token_parts_seed(b'{"alg":' + b"1" * 4400 + b"}", body, sig),  # past int()'s digit limit
    ]


# ---- bank bundles --------------------------------------------------------------------------------
# byte 0 % 3 == 0: the rest is the file. 1: MAGIC + length + the rest up to the first NUL as the header,
# what follows as nonce and ciphertext. 2: a real bundle's header followed by the rest as the body.
#
# The key derivation is cryptography's scrypt (0.1 s a call), not the parser under test: here it is a
# fast hash, so that libFuzzer runs thousands of inputs a second instead of ten.

_PASSPHRASE = "省厅发给市局的口令-2026"


def _fast_key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.sha256(passphrase.encode("utf-8") + b"\0" + salt).digest()


bundle._key = _fast_key
_RECORDS = [{"code": "Q-1", "type": "single", "stem": "题干", "options": {"A": "是", "B": "否"}}, {"n": 2}]
_REAL = bundle.pack(_RECORDS, _PASSPHRASE, origin="fuzz")
_HEAD_END = len(bundle.MAGIC) + 4 + struct.unpack(">I", _REAL[len(bundle.MAGIC) : len(bundle.MAGIC) + 4])[0]


def _decode_bundle(data: bytes) -> bytes:
    mode, rest = (data[0] % 3, data[1:]) if data else (0, b"")
    if mode == 0:
        return rest
    if mode == 1:
        header, _, tail = rest.partition(b"\0")
        return bundle.MAGIC + struct.pack(">I", len(header)) + header + tail
    return _REAL[:_HEAD_END] + rest


def bundle_target(data: bytes) -> None:
    blob = _decode_bundle(data)
    try:
        header, records = bundle.unpack(blob, _PASSPHRASE)
    except bundle.BundleError as exc:
        assert str(exc), exc
        return
    assert blob == _REAL, blob  # AES-GCM: nothing but the genuine bundle opens
    assert records == _RECORDS and isinstance(header, dict)


def _bundle_seeds() -> list[bytes]:
    head = _REAL[len(bundle.MAGIC) + 4 : _HEAD_END]
    body = _REAL[_HEAD_END:]
    return [
        b"\x00" + _REAL,
        b"\x00" + _REAL[:-1],
        b"\x00" + _REAL[:_HEAD_END],
        b"\x00" + bundle.MAGIC + b"\x00\x00\x00\x10",
        b"\x01" + head + b"\0" + body,
        b"\x01" + head.replace(b'"n": 32768', b'"n": "32768"') + b"\0" + body,
        b"\x01" + json.dumps({"salt": 1, "kdf": []}).encode() + b"\0" + b"\0" * 12,
        b"\x01" + b"[" * 2000 + b"\0" + b"\0" * 12,  # nesting deeper than the recursion limit
        b"\x01" + b'{"salt":"","kdf":{"n":' + b"1" * 4080 + b"}}\0" + b"\0" * 12,
        b"\x01" + b'{"salt":"","kdf":{"n":1e999,"r":Infinity,"p":NaN}}\0' + b"\0" * 12,  # int(inf)
        b"\x02" + body,
        b"\x02" + b"\0" * 11,
    ]


TARGETS = {
    "jws": Target(
        jws_target,
        _jws_seeds,
        ('"alg"', '"kid"', '"crit"', '"exp"', '"nbf"', '"EdDSA"', '"k1"', "null", "[", "{", "."),
    ),
    "bundle": Target(
        bundle_target,
        _bundle_seeds,
        ('"salt"', '"kdf"', '"n"', '"r"', '"p"', "32768", '"count"', "[", "{", "\0"),
    ),
}
