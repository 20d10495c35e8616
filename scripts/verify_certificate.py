#!/usr/bin/env python3
"""Check a certificate offline: needs only Python and the `cryptography` package.

    python verify_certificate.py --jwks jwks.json --status status.jwt [--fetch] TOKEN_OR_URL

Save the two files while online, from the bureau's site:
    {EXAMSVC_BASE_URL}/.well-known/jwks.json     the public signing keys
    {EXAMSVC_BASE_URL}/s/1                       the signed status list (refresh it daily)
TOKEN_OR_URL is what the certificate's QR code holds (the URL) or the token alone. With --fetch,
the saved status list is a cache, as the draft describes (§13.7): once it is older than its `ttl`
(by the file's time), a fresh one is fetched from the certificate's status URI, checked, and only
then saved over it; if that fails the saved one is used (and it still must not be past its `exp`).

The status list is an IETF Token Status List (draft-ietf-oauth-status-list): a `statuslist+jwt`
whose `sub` is the URI the certificate names, 2 bits per certificate (0 valid, 1 revoked,
2 suspended), ZLIB-compressed, least significant bits first.

Prints VALID, REVOKED, SUSPENDED, EXPIRED, NOT YET VALID, NOT GENUINE or UNKNOWN with the
certificate's facts; exits 0 only for VALID, 1 for the others, 2 when it cannot tell (a list too
old, a key not in the saved JWKS) or cannot read its files. A status list past its own expiry (a
day) cannot vouch that nothing changed since: then a certificate it lists as valid is UNKNOWN
until a fresh list is saved.
This file is deliberately independent of examsvc (an employer runs it without the server's code),
so it repeats the few lines of JWS checking and list decoding it needs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CERTIFICATE_TYP, STATUS_LIST_TYP = "aqcert+jwt", "statuslist+jwt"
MAX_LIST_BYTES = 1 << 20  # our lists inflate to 256 KiB; more is refused (a ZLIB bomb)
STATUS_NAMES = {0: "VALID", 1: "REVOKED", 2: "SUSPENDED"}


class NotGenuine(Exception):
    pass


class UnknownKey(NotGenuine):
    """Signed with a key the saved JWKS does not hold: a newer key, or not the bureau's."""


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


def signed(token: str, keys: dict[str, Ed25519PublicKey]) -> tuple[dict, dict]:
    """(header, claims) of a token signed by one of these keys with EdDSA; NotGenuine otherwise."""
    try:
        head, body, signature = token.split(".")
        header = json.loads(unb64url(head))
        if (
            not isinstance(header, dict)
            or header.get("alg") != "EdDSA"
            or not isinstance(header.get("kid"), str)
        ):
            raise NotGenuine("header")
        if header["kid"] not in keys:
            raise UnknownKey(header["kid"])
        keys[header["kid"]].verify(unb64url(signature), f"{head}.{body}".encode("ascii"))
        claims = json.loads(unb64url(body))
        if not isinstance(claims, dict):
            raise NotGenuine("claims")
        return header, claims
    except (ValueError, KeyError, TypeError, RecursionError, InvalidSignature, UnicodeError) as exc:
        raise NotGenuine(str(exc)) from exc  # whatever a crafted QR code holds: never a traceback


def certificate_claims(token: str, keys: dict[str, Ed25519PublicKey]) -> tuple[dict, int, str]:
    """(claims, status index, status list URI) of a certificate; NotGenuine for anything else. A
    certificate declares its type; one from before types (no `typ`, an `sli` index) is read too."""
    header, claims = signed(token, keys)
    try:
        if header.get("typ") == CERTIFICATE_TYP:
            ref = claims["status"]["status_list"]
            index, uri = ref["idx"], ref["uri"]
        elif "typ" not in header and "sli" in claims and "status" not in claims:
            index, uri = claims["sli"], ""
        else:
            raise NotGenuine("not a certificate")
        if not isinstance(index, int) or index < 0 or not isinstance(uri, str) or "exp" not in claims:
            raise NotGenuine("not a certificate")
    except (KeyError, TypeError) as exc:
        raise NotGenuine("not a certificate") from exc
    return claims, index, uri


class BadStatusList(Exception):
    pass


class StatusListKeyUnknown(BadStatusList):
    """Signed with a key the saved JWKS does not hold (a newer status key): save the keys again."""


def status_list(status_token: str, keys: dict[str, Ed25519PublicKey]) -> tuple[bytes, int, dict]:
    """(byte array, bits per status, claims) of a status list the bureau signed; BadStatusList
    otherwise."""
    try:
        header, claims = signed(status_token, keys)
        if header.get("typ") != STATUS_LIST_TYP:
            raise BadStatusList("not a status list token")
        bits, lst = claims["status_list"]["bits"], claims["status_list"]["lst"]
        if bits not in (1, 2, 4, 8) or not isinstance(claims.get("sub"), str):
            raise BadStatusList("not a status list")
        if not all(isinstance(claims.get(c, 0), int) for c in ("iat", "exp", "ttl")) or "iat" not in claims:
            raise BadStatusList("iat, exp and ttl must be numbers")
        inflater = zlib.decompressobj()
        raw = inflater.decompress(unb64url(lst), MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES or not inflater.eof:
            raise BadStatusList("the list is larger than any of the bureau's")
        return raw, bits, claims
    except UnknownKey as exc:
        raise StatusListKeyUnknown(f"signed with key {exc}, which the saved jwks.json lacks") from exc
    except (NotGenuine, KeyError, TypeError, ValueError, zlib.error) as exc:
        raise BadStatusList(str(exc)) from exc


def status_at(raw: bytes, bits: int, index: int) -> int:
    """The draft's bit order: statuses packed from the least significant bit of each byte."""
    per_byte = 8 // bits
    if index // per_byte >= len(raw):
        raise IndexError(index)
    return (raw[index // per_byte] >> ((index % per_byte) * bits)) & ((1 << bits) - 1)


def check(token: str, keys: dict, raw: bytes, bits: int, listing: dict, now: int) -> tuple[str, dict]:
    """The certificate's status against a status list already checked (status_list)."""
    try:
        claims, index, uri = certificate_claims(token, keys)
    except UnknownKey:
        return "UNKNOWN KEY", {}
    except NotGenuine:
        return "NOT GENUINE", {}
    if now < int(claims.get("nbf", 0)):
        return "NOT YET VALID", claims  # issued for a later start: not an old certificate
    if now >= int(claims["exp"]):
        return "EXPIRED", claims  # the token's own rules come first (the draft, §8.3)
    if uri and listing.get("sub") != uri:
        return "UNKNOWN", claims  # the saved list is not the one this certificate names
    try:
        state = STATUS_NAMES.get(status_at(raw, bits, index), "UNKNOWN")
    except IndexError:
        return "UNKNOWN", claims  # outside the list: the draft says no statement can be made
    if state == "VALID" and now >= int(listing.get("exp", 0)):
        return "UNKNOWN", claims  # the list is too old to say nothing changed since
    return state, claims


def refresh(path: str, token: str, keys: dict[str, Ed25519PublicKey], now: float) -> str:
    """The status list to use: the saved one, or a fresh one once the saved one's ttl has passed.
    Returns a note for the user ("" when nothing was fetched)."""
    saved_at = 0  # the saved list's iat: a fetched list must not be older (a replayed one)
    try:
        with open(path, encoding="utf-8") as fh:
            saved = status_list(fh.read().strip(), keys)[2]
        saved_at = saved["iat"]
        if now < os.path.getmtime(path) + saved.get("ttl", 0):
            return ""
    except (OSError, BadStatusList, ValueError):
        pass  # nothing usable saved: fetch
    try:
        uri = certificate_claims(token, keys)[2]
        if not uri.startswith(("https://", "http://")):
            return "cannot fetch: the certificate names no status list URI"
        fresh = _download(uri, time.monotonic() + FETCH_SECONDS)
        listing = status_list(fresh, keys)[2]  # never save a list the bureau did not sign
        if listing["sub"] != uri or listing["iat"] < saved_at:
            raise BadStatusList("another list, or one older than the saved one")
    except (NotGenuine, BadStatusList, OSError, ValueError, UnicodeError) as exc:
        return f"could not fetch a fresh status list ({exc}): using the saved one"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(fresh)
    return "fetched a fresh status list"


FETCH_SECONDS = 20  # for the whole download, however slowly a server trickles it


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.startswith(("https://", "http://")):
            raise urllib.error.URLError(f"refused a redirect to {newurl[:60]}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(uri: str, deadline: float) -> str:
    """The body at `uri` (http or https, redirects too), at most 2 MiB, within the deadline."""
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(uri, headers={"Accept": "application/statuslist+jwt"})  # noqa: S310
    body = b""
    with opener.open(request, timeout=10) as answer:
        while chunk := answer.read(64 * 1024):
            body += chunk
            if len(body) > 2 * MAX_LIST_BYTES or time.monotonic() > deadline:
                raise ValueError("the status list took too long or is too large")
    return body.decode("ascii").strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jwks", required=True, help="saved /.well-known/jwks.json")
    parser.add_argument("--status", required=True, help="saved status list (/s/1)")
    parser.add_argument(
        "--fetch", action="store_true", help="refresh the saved status list once its ttl passed"
    )
    parser.add_argument("certificate", help="the URL in the QR code, or the token")
    args = parser.parse_args()
    token = token_of(args.certificate)
    if args.fetch:
        try:
            note = refresh(args.status, token, load_keys(args.jwks), time.time())
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, NotGenuine):
            note = ""  # the keys are unreadable: said below
        if note:
            print(note, file=sys.stderr)
    try:
        with open(args.status, encoding="utf-8") as fh:
            status_token = fh.read().strip()
        keys = load_keys(args.jwks)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, NotGenuine) as exc:
        print(
            f"cannot read the saved files ({exc}): save jwks.json and the status list again", file=sys.stderr
        )
        return 2
    try:
        raw, bits, listing = status_list(status_token, keys)
    except StatusListKeyUnknown as exc:
        print(f"the status list is {exc}: save jwks.json again", file=sys.stderr)
        return 2
    except BadStatusList as exc:
        print(f"the status list is not one the bureau signed ({exc}): save it again", file=sys.stderr)
        return 2
    status, claims = check(token, keys, raw, bits, listing, int(time.time()))
    print(status)
    if status == "UNKNOWN":
        print("  the saved status list is too old or not this certificate's: save a fresh one")
    if status == "UNKNOWN KEY":
        print("  signed with a key the saved jwks.json does not hold: save jwks.json again")
    for label, key in (
        ("number", "jti"),
        ("name", "name"),
        ("ID last four", "id4"),
        ("industry", "ind"),
        ("category", "cat"),
        ("hours", "hrs"),
    ):
        if key in claims:
            print(f"  {label}: {claims[key]}")
    if "exp" in claims:
        print(f"  valid until: {time.strftime('%Y-%m-%d', time.gmtime(int(claims['exp'])))}")
    listed_at = listing.get("iat") if claims else None
    if listed_at:
        print(f"  status list of {time.strftime('%Y-%m-%d %H:%M', time.gmtime(listed_at))} UTC")
    return {"VALID": 0, "UNKNOWN": 2, "UNKNOWN KEY": 2}.get(status, 1)


if __name__ == "__main__":
    sys.exit(main())
