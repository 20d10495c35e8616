"""The wallet export: a valid certificate downloads as a W3C Verifiable Credential (VC Data Model
2.0, secured as VC-JOSE-COSE), whose BitstringStatusListEntry objects lead to signed Bitstring
Status Lists that read its revocation and suspension. Checked against the data model's required
shapes, and verified with an independent JOSE library (jwcrypto) from the published JWKS."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from urllib.parse import urlsplit

from jwcrypto import jwk, jws

from .cert_helpers import certified


def _verified(client, token: str) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    """(header, payload) of a JWS verified with the bureau's published keys."""
    keys = jwk.JWKSet.from_json(client.get("/.well-known/jwks.json").get_data(as_text=True))
    signed = jws.JWS()
    signed.deserialize(token)
    header = signed.jose_header
    signed.verify(keys.get_key(header["kid"]), alg="EdDSA")
    return header, json.loads(signed.payload)


def _path(url: str) -> str:
    return urlsplit(url).path


def _conforms_to_the_data_model(vc: dict) -> None:
    """VC Data Model 2.0's MUSTs for what we emit (§4)."""
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "VerifiableCredential" in vc["type"] and len(vc["type"]) >= 2
    assert isinstance(vc["issuer"], dict) and urlsplit(vc["issuer"]["id"]).scheme in ("http", "https")
    for moment in ("validFrom", "validUntil"):
        assert datetime.fromisoformat(vc[moment]).tzinfo is not None, moment  # an XML dateTimeStamp
    assert datetime.fromisoformat(vc["validFrom"]) < datetime.fromisoformat(vc["validUntil"])
    assert isinstance(vc["credentialSubject"], dict) and vc["credentialSubject"]
    assert "proof" not in vc  # secured by the enveloping JWS, not an embedded proof


def _bit(client, entry: dict) -> int:  # type: ignore[no-untyped-def]
    """The entry's bit, read the way the Bitstring Status List recommendation says."""
    header, listing = _verified(
        client, client.get(_path(entry["statusListCredential"])).get_data(as_text=True)
    )
    assert header["typ"] == "vc+jwt" and "BitstringStatusListCredential" in listing["type"]
    _conforms_to_the_data_model(listing)
    subject = listing["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == entry["statusPurpose"]
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1  # from the most significant bit


def test_a_valid_certificate_exports_as_a_verifiable_credential(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    response = client.get(f"/v/{certs[0].token}/credential.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    header, vc = _verified(client, response.get_data(as_text=True))
    assert header["typ"] == "vc+jwt" and header["cty"] == "vc"
    _conforms_to_the_data_model(vc)
    assert vc["id"] == f"urn:examsvc:certificate:{certs[0].number}"
    subject = vc["credentialSubject"]
    assert subject["hours"] == 24 and subject["industry"] == "coal_mine" and len(subject["id_last4"]) == 4
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    assert set(entries) == {"revocation", "suspension"}
    for entry in entries.values():
        assert entry["type"] == "BitstringStatusListEntry" and entry["statusListIndex"] == str(
            certs[0].status_index
        )
        assert _bit(client, entry) == 0
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/suspend", {"reason": "申诉"}, page=page)
    assert _bit(client, entries["suspension"]) == 1 and _bit(client, entries["revocation"]) == 0
    # Suspended, it is no longer exported; the exported copy's status says why.
    assert client.get(f"/v/{certs[0].token}/credential.jwt").status_code == 404
    officer.post(f"/officer/certificates/{certs[0].id}/reinstate", {"reason": "驳回"}, page=page)
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke", {"reason": "代考", "kind": "other"}, page=page
    )
    assert _bit(client, entries["revocation"]) == 1 and _bit(client, entries["suspension"]) == 0


def test_the_credential_cannot_pass_for_a_certificate(app, client, sitting, tablet, officer):
    from .cert_helpers import api

    certs = certified(app, sitting, tablet, officer)
    vc = client.get(f"/v/{certs[0].token}/credential.jwt").get_data(as_text=True)
    assert api(client, {"token": vc}).get_json()["status"] == "not_genuine"  # typ vc+jwt, not aqcert+jwt
    assert client.get("/s/vc/other").status_code == 404
    assert client.get("/v/not-a-token/credential.jwt").status_code == 404


def test_the_credential_is_signed_with_its_certificates_own_key(app, client, sitting, tablet, officer):
    """Guard: wallet_views.credential signs with cert.kid (with the current key, a second rotation
    dropped that key from the JWKS while the credential was still valid)."""
    from examsvc.cli import main

    certs = certified(app, sitting, tablet, officer)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["keys", "rotate", "--now"]).exit_code == 0
    assert runner.invoke(main, ["keys", "rotate", "--now"]).exit_code == 0
    header, _vc = _verified(client, client.get(f"/v/{certs[0].token}/credential.jwt").get_data(as_text=True))
    assert header["kid"] == certs[0].kid
