"""What a certificate's token says, and how it is read back. Pure.

The token rides in the QR code (as the verification URL), so every byte counts: the QR must stay
small enough to print with 0.6 mm modules inside 50 mm (docs/certificates.md). Claims are short,
codes are two letters, and nothing the verification page looks up from the certificate's row is
carried (number, issue date, class, hours, year; the row is found by the status index, which is
unique). What stays is what an offline verifier needs to say who holds which qualification, until
when, and where its status lives:

    {"exp", "name", "id4": last four of the ID number, "ind": industry, "cat": category,
     "status": {"status_list": {"idx", "uri"}}}      (draft-ietf-oauth-status-list §6.1)

Tokens issued before this format (untyped; `jti`, `iss`, `nbf`, `hrs`, `cls`, `yr`, long codes and
`sli` instead of `status`) stay readable: `facts()` and `status_reference()` read both.
"""

from __future__ import annotations

from collections.abc import Mapping

TYP = "aqcert+jwt"  # the certificate's own token type (RFC 8725 §3.11)

INDUSTRY_CODES = {
    "general": "gn",
    "coal_mine": "cm",
    "non_coal_mine": "nm",
    "machinery": "mc",
    "rail_transport": "rt",
    "rail_construction": "rc",
    "hazardous_chemicals": "hc",
    "building_construction": "bc",
}
CATEGORY_CODES = {"leader": "ld", "manager": "mg", "team_leader": "tl"}
_INDUSTRY_NAMES = {short: name for name, short in INDUSTRY_CODES.items()}
_CATEGORY_NAMES = {short: name for name, short in CATEGORY_CODES.items()}


def certificate_claims(
    *,
    expires: int,
    name: str,
    id_last4: str,
    industry: str,
    category: str,
    status_index: int,
    status_uri: str,
) -> dict[str, object]:
    return {
        "exp": expires,
        "name": name,
        "id4": id_last4,
        "ind": INDUSTRY_CODES.get(industry, industry),
        "cat": CATEGORY_CODES.get(category, category),
        "status": {"status_list": {"idx": status_index, "uri": status_uri}},
    }


def status_reference(claims: Mapping[str, object]) -> tuple[int, str]:
    """(index, status list URI) of a certificate's claims; the legacy `sli` names the first list
    (uri ""). KeyError/TypeError/ValueError if neither is there in a usable shape."""
    if "status" in claims:
        ref = claims["status"]["status_list"]  # type: ignore[index]
        index, uri = ref["idx"], ref["uri"]
        if not isinstance(index, int) or isinstance(index, bool) or index < 0 or not isinstance(uri, str):
            raise ValueError("status reference")
        return index, uri
    index = claims["sli"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError("status reference")
    return index, ""


def facts(claims: Mapping[str, object]) -> dict[str, object]:
    """The holder's facts in full words, whichever format the token has."""
    industry, category = str(claims.get("ind", "")), str(claims.get("cat", ""))
    return {
        "number": claims.get("jti"),
        "name": claims.get("name"),
        "id_last4": claims.get("id4"),
        "industry": _INDUSTRY_NAMES.get(industry, industry),
        "category": _CATEGORY_NAMES.get(category, category),
        "hours": claims.get("hrs"),
        "issuer": claims.get("iss"),
    }
