"""Certificates and the status list verify in every JOSE library a verifier is likely to use, each
with the published JWKS; each refuses a status list presented as a certificate and the reverse
(by the token's `typ`). The algorithm matrix pins why we still emit `EdDSA` (docs/certificates.md):
the day PyJWT and authlib verify RFC 9864's `Ed25519`, ALGORITHM_MATRIX fails and says so."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from examsvc.core.crypto.jws import ALG, b64url

from .cert_helpers import certified

NODE = Path(__file__).parent / "node"
CERT_TYP, LIST_TYP = "aqcert+jwt", "statuslist+jwt"


# Each returns (the header the library verified, the claims): a verifier is the library plus the
# one policy the Python libraries leave to their caller, the expected `typ` (_accepts below).
def _pyjwt(token: str, jwk: dict, alg: str) -> tuple[dict, dict]:
    import jwt

    done = jwt.api_jwt.decode_complete(token, jwt.PyJWK(jwk).key, algorithms=[alg])
    return done["header"], done["payload"]


def _jwcrypto(token: str, jwk: dict, alg: str) -> tuple[dict, dict]:
    from jwcrypto import jwk as jwk_module
    from jwcrypto import jwt

    checked = jwt.JWT(jwt=token, key=jwk_module.JWK(**jwk), algs=[alg])
    return json.loads(checked.header), json.loads(checked.claims)


def _joserfc(token: str, jwk: dict, alg: str) -> tuple[dict, dict]:
    from joserfc import jwt
    from joserfc.jwk import OKPKey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc warns that EdDSA is deprecated (RFC 9864): known
        checked = jwt.decode(token, OKPKey.import_key(jwk), algorithms=[alg])
    return dict(checked.header), dict(checked.claims)


def _authlib(token: str, jwk: dict, alg: str) -> tuple[dict, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # authlib.jose is deprecated in favour of joserfc
        from authlib.jose import JsonWebToken

        claims = JsonWebToken([alg]).decode(token, jwk)
    return dict(claims.header), dict(claims)


def _accepts(verify, token: str, jwks: dict, typ: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        header, _claims = verify(token, _key_for(token, jwks), ALG)
    except Exception:  # noqa: BLE001 - any refusal by the library
        return False
    return header.get("typ") == typ


PYTHON_VERIFIERS = {"pyjwt": _pyjwt, "jwcrypto": _jwcrypto, "joserfc": _joserfc, "authlib": _authlib}
NODE_VERIFY = """
const jose = require('jose');
const [token, jwks, typ, alg] = process.argv.slice(1);
const set = jose.createLocalJWKSet(JSON.parse(jwks));
jose.jwtVerify(token, set, {algorithms: [alg], typ})
  .then(r => console.log(JSON.stringify({ok: true, claims: r.payload})))
  .catch(e => console.log(JSON.stringify({ok: false, error: e.code || String(e)})));
"""
HAVE_NODE = (NODE / "node_modules" / "jose").exists()
NODE_MISSING = "the Node verifiers are missing: scripts/test.sh installs them (npm ci --prefix tests/node)"


def _node(token: str, jwks: dict, typ: str, alg: str = ALG) -> dict:
    done = subprocess.run(
        ["node", "-e", NODE_VERIFY, token, json.dumps(jwks), typ, alg],
        cwd=NODE,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _key_for(token: str, jwks: dict) -> dict:
    import base64

    head = token.split(".")[0]
    kid = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"]
    return next(k for k in jwks["keys"] if k["kid"] == kid)


def test_every_library_verifies_both_token_kinds_and_keeps_them_apart(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    jwks = client.get("/.well-known/jwks.json").get_json()
    certificate, status_list = certs[0].token, client.get("/s/1").get_data(as_text=True)
    for name, verify in PYTHON_VERIFIERS.items():
        claims = verify(certificate, _key_for(certificate, jwks), ALG)[1]
        assert claims["status"]["status_list"]["idx"] == certs[0].status_index, name
        assert verify(status_list, _key_for(status_list, jwks), ALG)[1]["status_list"]["bits"] == 2, name
        assert _accepts(verify, certificate, jwks, CERT_TYP) and _accepts(verify, status_list, jwks, LIST_TYP)
        assert not _accepts(verify, status_list, jwks, CERT_TYP), name  # a list posing as a certificate
        assert not _accepts(verify, certificate, jwks, LIST_TYP), name  # and the reverse
    assert HAVE_NODE, NODE_MISSING
    assert _node(certificate, jwks, CERT_TYP)["ok"] and _node(status_list, jwks, LIST_TYP)["ok"]
    swapped = [_node(status_list, jwks, CERT_TYP), _node(certificate, jwks, LIST_TYP)]
    assert [answer["error"] for answer in swapped] == ["ERR_JWT_CLAIM_VALIDATION_FAILED"] * 2


def test_our_verifiers_keep_status_lists_and_certificates_apart(app, client, sitting, tablet, officer):
    from .cert_helpers import api

    certs = certified(app, sitting, tablet, officer)
    status_list = client.get("/s/1").get_data(as_text=True)
    assert api(client, {"token": status_list}).get_json()["status"] == "not_genuine"
    # And a token in a certificate's shape signed with the status key (its kid) is no certificate.
    from examsvc.core.crypto.jws import sign
    from examsvc.core.signing_keys import STATUS, current_signer

    from .cert_helpers import claims_of

    kid, key = current_signer(app.config["EXAMSVC"].resolved_key_dir(), STATUS)
    posing = sign(claims_of(certs[0].token), key, kid, CERT_TYP)
    assert api(client, {"token": posing}).get_json()["status"] == "not_genuine"


# What each library does with a token declaring `alg` when its JWK declares the same, measured on
# 2026-12-04 (PyJWT 2.15.1, jwcrypto 1.6.1, joserfc 1.8.0, authlib 1.9.10, Node jose 6.2.19).
ALGORITHM_MATRIX = {
    "EdDSA": {"pyjwt": True, "jwcrypto": True, "joserfc": True, "authlib": True, "node-jose": True},
    "Ed25519": {"pyjwt": False, "jwcrypto": True, "joserfc": True, "authlib": False, "node-jose": True},
}


def _token_and_jwk(alg: str) -> tuple[str, dict]:
    key = Ed25519PrivateKey.generate()
    x = b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    head = b64url(json.dumps({"alg": alg, "kid": "k", "typ": CERT_TYP}).encode())
    body = b64url(json.dumps({"exp": 4102444800}).encode())
    signature = b64url(key.sign(f"{head}.{body}".encode()))
    return f"{head}.{body}.{signature}", {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k", "alg": alg}


def test_the_algorithm_matrix_is_what_we_measured():
    for alg, expected in ALGORITHM_MATRIX.items():
        token, jwk = _token_and_jwk(alg)
        seen = {}
        for name, verify in PYTHON_VERIFIERS.items():
            try:
                seen[name] = verify(token, jwk, alg)[1]["exp"] == 4102444800
            except Exception:  # noqa: BLE001 - any refusal counts as "does not verify"
                seen[name] = False
        assert HAVE_NODE, NODE_MISSING
        seen["node-jose"] = _node(token, {"keys": [jwk]}, CERT_TYP, alg)["ok"]
        assert seen == expected, alg
    # We emit the one every library verifies.
    assert ALG == "EdDSA" and all(ALGORITHM_MATRIX[ALG].values())
