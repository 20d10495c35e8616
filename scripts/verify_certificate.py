#!/usr/bin/env python3
"""Check a certificate offline: needs only Python and the `cryptography` package.

    python verify_certificate.py --jwks jwks.json --status revocation.jwt TOKEN_OR_URL

Save the two files while online, from the bureau's site:
    {EXAMSVC_BASE_URL}/.well-known/jwks.json     the public signing keys
    {EXAMSVC_BASE_URL}/status/revocation         the signed revocation list (refresh it daily)
TOKEN_OR_URL is what the certificate's QR code holds (the URL) or the token alone.

Prints VALID, REVOKED, EXPIRED or NOT GENUINE with the certificate's facts; exits 0 only for VALID.
This file is deliberately independent of examsvc (an employer runs it without the server's code),
so it repeats the few lines of JWS checking it needs.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class NotGenuine(Exception):
    pass


def unb64url(text: str) -> bytes:
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != text:
        raise NotGenuine("not canonical base64url")
    return data


def load_keys(path: str) -> dict[str, Ed25519PublicKey]:
    with open(path, encoding="utf-8") as fh:
        jwks = json.load(fh)
    return {
        k["kid"]: Ed25519PublicKey.from_public_bytes(unb64url(k["x"]))
        for k in jwks["keys"]
        if k.get("kty") == "OKP" and k.get("crv") == "Ed25519"
    }


def signed_claims(token: str, keys: dict[str, Ed25519PublicKey]) -> dict:
    """The claims of a token signed by one of these keys with EdDSA; NotGenuine otherwise."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(unb64url(head))
        if header.get("alg") != "EdDSA" or header.get("kid") not in keys:
            raise NotGenuine("algorithm or key")
        keys[header["kid"]].verify(unb64url(signature), f"{head}.{body}".encode("ascii"))
        return json.loads(unb64url(body))
    except (ValueError, KeyError, InvalidSignature, UnicodeError) as exc:
        raise NotGenuine(str(exc)) from exc


def revoked(status_token: str, keys: dict[str, Ed25519PublicKey], index: int) -> bool:
    listing = signed_claims(status_token, keys)["status_list"]
    bits = gzip.decompress(unb64url(listing["encodedList"]))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def check(token: str, keys: dict[str, Ed25519PublicKey], status_token: str, now: int) -> tuple[str, dict]:
    try:
        claims = signed_claims(token, keys)
        if revoked(status_token, keys, int(claims["sli"])):
            return "REVOKED", claims
    except (NotGenuine, KeyError, ValueError):
        return "NOT GENUINE", {}
    if now >= int(claims["exp"]) or now < int(claims.get("nbf", 0)):
        return "EXPIRED", claims
    return "VALID", claims


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jwks", required=True, help="saved /.well-known/jwks.json")
    parser.add_argument("--status", required=True, help="saved /status/revocation")
    parser.add_argument("certificate", help="the URL in the QR code, or the token")
    args = parser.parse_args()
    token = args.certificate.rsplit("/v/", 1)[-1].strip()
    with open(args.status, encoding="utf-8") as fh:
        status_token = fh.read().strip()
    keys = load_keys(args.jwks)
    status, claims = check(token, keys, status_token, int(time.time()))
    print(status)
    for label, key in (
        ("number", "jti"),
        ("name", "name"),
        ("ID last four", "id4"),
        ("class", "cls"),
        ("industry", "ind"),
        ("category", "cat"),
        ("hours", "hrs"),
        ("year", "yr"),
    ):
        if key in claims:
            print(f"  {label}: {claims[key]}")
    listed_at = signed_claims(status_token, keys).get("iat") if status != "NOT GENUINE" else None
    if listed_at:
        print(f"  revocation list of {time.strftime('%Y-%m-%d %H:%M', time.gmtime(listed_at))} UTC")
    return 0 if status == "VALID" else 1


if __name__ == "__main__":
    sys.exit(main())
