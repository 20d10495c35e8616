#!/usr/bin/env python3
"""Check a certificate offline: needs only Python and the `cryptography` package.

    python verify_certificate.py --jwks jwks.json --status revocation.jwt TOKEN_OR_URL

Save the two files while online, from the bureau's site:
    {EXAMSVC_BASE_URL}/.well-known/jwks.json     the public signing keys
    {EXAMSVC_BASE_URL}/status/revocation         the signed revocation list (refresh it daily)
TOKEN_OR_URL is what the certificate's QR code holds (the URL) or the token alone.

Prints VALID, REVOKED, EXPIRED, NOT YET VALID or NOT GENUINE with the certificate's facts; exits 0
only for VALID, 1 for the others, 2 when it cannot tell (a list too old) or cannot read its files.
A revocation list past its own expiry (a day) cannot vouch that nothing was revoked since: then a
certificate it does not list as revoked is UNKNOWN (exit 2) until a fresh list is saved.
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


def token_of(text: str) -> str:
    """The token in the QR code's URL (also with a query or fragment added on the way), or the token."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1]
        for stop in "?#/":
            text = text.split(stop, 1)[0]
    return text.strip()


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


class BadStatusList(Exception):
    pass


def status_list(status_token: str, keys: dict[str, Ed25519PublicKey]) -> tuple[bytes, dict]:
    """The revocation bits and the list's claims; BadStatusList if the bureau did not sign it."""
    try:
        claims = signed_claims(status_token, keys)
        return gzip.decompress(unb64url(claims["status_list"]["encodedList"])), claims
    except (NotGenuine, KeyError, TypeError, ValueError, OSError) as exc:
        raise BadStatusList(str(exc)) from exc


def revoked(bits: bytes, index: int) -> bool:
    """Beyond the end of the list: a certificate newer than the list, which cannot name it."""
    return index // 8 < len(bits) and bool(bits[index // 8] & (0x80 >> (index % 8)))


def check(
    token: str, keys: dict[str, Ed25519PublicKey], bits: bytes, listing: dict, now: int
) -> tuple[str, dict]:
    """The certificate's status against a revocation list already checked (status_list)."""
    try:
        claims = signed_claims(token, keys)
        if revoked(bits, int(claims["sli"])):
            return "REVOKED", claims  # a revocation is final, whatever the list's age
    except (NotGenuine, KeyError, TypeError, ValueError):
        return "NOT GENUINE", {}
    if now < int(claims.get("nbf", 0)):
        return "NOT YET VALID", claims  # issued for a later start: not an old certificate
    if now >= int(claims["exp"]):
        return "EXPIRED", claims
    if now >= int(listing.get("exp", 0)):
        return "UNKNOWN", claims  # the list is too old to say it was not revoked since
    return "VALID", claims


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jwks", required=True, help="saved /.well-known/jwks.json")
    parser.add_argument("--status", required=True, help="saved /status/revocation")
    parser.add_argument("certificate", help="the URL in the QR code, or the token")
    args = parser.parse_args()
    token = token_of(args.certificate)
    try:
        with open(args.status, encoding="utf-8") as fh:
            status_token = fh.read().strip()
        keys = load_keys(args.jwks)
    except (OSError, ValueError, KeyError, TypeError, NotGenuine) as exc:
        print(
            f"cannot read the saved files ({exc}): save jwks.json and the revocation list again",
            file=sys.stderr,
        )
        return 2
    try:
        bits, listing = status_list(status_token, keys)
    except BadStatusList as exc:
        print(f"the revocation list is not one the bureau signed ({exc}): save it again", file=sys.stderr)
        return 2
    status, claims = check(token, keys, bits, listing, int(time.time()))
    print(status)
    if status == "UNKNOWN":
        print("  the revocation list has expired: save a fresh one from the bureau's site")
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
    listed_at = listing.get("iat") if status != "NOT GENUINE" else None
    if listed_at:
        print(f"  revocation list of {time.strftime('%Y-%m-%d %H:%M', time.gmtime(listed_at))} UTC")
    return {"VALID": 0, "UNKNOWN": 2}.get(status, 1)


if __name__ == "__main__":
    sys.exit(main())
