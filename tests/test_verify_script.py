"""scripts/verify_certificate.py checks certificates offline from saved copies of the keys and the
status list, without examsvc's code."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

from examsvc.certificates.claims import TYP
from examsvc.core.crypto.jws import sign
from examsvc.core.signing_keys import STATUS, current_signer

from .cert_helpers import altered, certified, claims_of, status_list_token

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "verify_certificate.py"


def _run(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    client,
    certificate: str,
    status_list: bytes | None = None,
    jwks: bytes | None = None,
    *options: str,
    keep_status: bool = False,
) -> subprocess.CompletedProcess:
    """The script on freshly saved keys and list (or the given files, as saved some time ago;
    `keep_status`: the list saved by an earlier run)."""
    keys = jwks if jwks is not None else client.get("/.well-known/jwks.json").get_data()
    (tmp_path / "jwks.json").write_bytes(keys)
    if not keep_status:
        saved = status_list if status_list is not None else client.get("/s/1").get_data()
        (tmp_path / "revocation.jwt").write_bytes(saved)
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(SCRIPT),
            "--jwks",
            str(tmp_path / "jwks.json"),
            "--status",
            str(tmp_path / "revocation.jwt"),
            *options,
            certificate,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


def test_offline_verifier(app, client, sitting, tablet, officer, tmp_path):
    certs = certified(app, sitting, tablet, officer)
    url = f"{app.config['EXAMSVC'].base_url}/v/{certs[0].token}"
    valid = _run(tmp_path, client, url)
    assert valid.returncode == 0 and valid.stdout.startswith("VALID")
    assert "name: " in valid.stdout and "valid until: " in valid.stdout
    forged = _run(tmp_path, client, altered(certs[0].token))
    assert forged.returncode == 1 and forged.stdout.startswith("NOT GENUINE")
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    revoked = _run(tmp_path, client, certs[0].token)  # with the fresh list
    assert revoked.returncode == 1 and revoked.stdout.startswith("REVOKED")
    officer.post(
        f"/officer/certificates/{certs[1].id}/suspend",
        {"reason": "申诉处理中"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    suspended = _run(tmp_path, client, certs[1].token)
    assert suspended.returncode == 1 and suspended.stdout.startswith("SUSPENDED")
    officer.post(
        f"/officer/certificates/{certs[1].id}/reinstate",
        {"reason": "申诉已结"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    assert _run(tmp_path, client, certs[1].token).stdout.startswith("VALID")


def test_an_expired_list_cannot_vouch_but_still_shows_revocations(
    app, client, sitting, tablet, officer, tmp_path
):
    certs = certified(app, sitting, tablet, officer)
    stale = status_list_token(app, {certs[0].status_index: 1}, days_ago=3)
    unknown = _run(tmp_path, client, certs[1].token, stale)
    assert unknown.returncode == 2 and unknown.stdout.startswith("UNKNOWN") and "fresh" in unknown.stdout
    still_revoked = _run(tmp_path, client, certs[0].token, stale)
    assert still_revoked.returncode == 1 and still_revoked.stdout.startswith("REVOKED")
    fresh = status_list_token(app, {})
    assert _run(tmp_path, client, certs[1].token, fresh).stdout.startswith("VALID")
    elsewhere = status_list_token(app, {}, sub="https://elsewhere.example/s/1")  # not this one's list
    assert _run(tmp_path, client, certs[1].token, elsewhere).stdout.startswith("UNKNOWN")


def test_a_list_not_signed_by_the_bureau_is_refused(app, client, sitting, tablet, officer, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    certs = certified(app, sitting, tablet, officer)
    key_dir = app.config["EXAMSVC"].resolved_key_dir()
    kid = current_signer(key_dir, STATUS)[0]
    forged = status_list_token(app, {}, signer=(kid, Ed25519PrivateKey.generate()))
    answer = _run(tmp_path, client, certs[0].token, forged)
    assert answer.returncode == 2 and answer.stdout == "" and "not one the bureau signed" in answer.stderr
    # A certificate presented as the status list, and a status list presented as a certificate:
    as_list = _run(tmp_path, client, certs[0].token, certs[0].token.encode())
    assert as_list.returncode == 2 and "not one the bureau signed" in as_list.stderr
    as_certificate = _run(tmp_path, client, client.get("/s/1").get_data(as_text=True))
    assert as_certificate.returncode == 1 and as_certificate.stdout.startswith("NOT GENUINE")


def test_urls_with_a_query_a_later_start_and_unreadable_files(
    app, client, sitting, tablet, officer, tmp_path
):
    """Guards: the script's token_of (a query or fragment after the token), its NOT YET VALID
    before the start (it said EXPIRED), and exit 2 with a message for files it cannot read."""
    certs = certified(app, sitting, tablet, officer)
    url = f"{app.config['EXAMSVC'].base_url}/v/{certs[0].token}?from=wechat#top"
    assert _run(tmp_path, client, url).stdout.startswith("VALID")
    kid, key = current_signer(app.config["EXAMSVC"].resolved_key_dir())
    later = sign({**claims_of(certs[0].token), "nbf": int(time.time()) + 86400}, key, kid, TYP)
    early = _run(tmp_path, client, later)
    assert early.returncode == 1 and early.stdout.startswith("NOT YET VALID")
    unreadable = _run(tmp_path, client, certs[0].token, jwks=b"not json")
    assert unreadable.returncode == 2 and "cannot read the saved files" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr


def test_with_fetch_the_saved_list_is_a_cache_refreshed_after_its_ttl(
    app, client, sitting, tablet, officer, tmp_path
):
    """Guards: verify_certificate.refresh (the draft's ttl cache): a list older than its ttl is
    fetched again from the certificate's status URI, checked, and only then saved."""
    import os
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    certs = certified(app, sitting, tablet, officer)
    served: dict[str, bytes] = {}

    class Lists(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook
            self.send_response(200)
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Lists)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uri = f"http://127.0.0.1:{server.server_port}/s/1"
    try:
        kid, key = current_signer(app.config["EXAMSVC"].resolved_key_dir())
        claims = claims_of(certs[0].token)
        claims["status"]["status_list"]["uri"] = uri
        certificate = sign(claims, key, kid, TYP)
        index = certs[0].status_index
        stale = status_list_token(app, {}, sub=uri)
        served["body"] = status_list_token(app, {index: 1}, sub=uri)
        jwks = client.get("/.well-known/jwks.json").get_data()
        assert _run(tmp_path, client, certificate, stale, jwks).stdout.startswith("VALID")  # no --fetch
        os.utime(tmp_path / "revocation.jwt", (time.time() - 600, time.time() - 600))  # past its ttl
        fetched = _run(tmp_path, client, certificate, None, jwks, "--fetch", keep_status=True)
        assert fetched.stdout.startswith("REVOKED") and "fetched a fresh status list" in fetched.stderr
        assert (tmp_path / "revocation.jwt").read_bytes() == served["body"]
        served["body"] = b"not a status list"  # a bad answer is never saved over the good copy
        os.utime(tmp_path / "revocation.jwt", (time.time() - 600, time.time() - 600))
        kept = _run(tmp_path, client, certificate, None, jwks, "--fetch", keep_status=True)
        assert kept.stdout.startswith("REVOKED") and "using the saved one" in kept.stderr
        # A replayed older list (signed before the saved one, not yet expired) would undo the
        # revocation: refused, as is a list for another URI.
        served["body"] = status_list_token(app, {}, days_ago=0.5, sub=uri)
        replayed = _run(tmp_path, client, certificate, None, jwks, "--fetch", keep_status=True)
        assert replayed.stdout.startswith("REVOKED") and "older than the saved one" in replayed.stderr
    finally:
        server.shutdown()


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_malformed_tokens_and_files_get_an_answer_never_a_traceback(
    app, client, sitting, tablet, officer, tmp_path
):
    """Guards: the script's signed() (header and kid shapes, nesting) and main()'s handling of a
    JWKS of the wrong shape and a status list with non-numeric times: NOT GENUINE (exit 1) for a
    crafted QR code, exit 2 with a message for files it cannot use."""
    certified(app, sitting, tablet, officer)
    tail = ".eyJ4IjoxfQ.AAAA"
    for token in (
        _b64({"alg": "EdDSA", "kid": ["x"]}) + tail,
        _b64([1]) + tail,
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).rstrip(b"=").decode() + tail,
    ):
        answer = _run(tmp_path, client, token)
        assert answer.returncode == 1 and answer.stdout.startswith("NOT GENUINE"), answer.stderr[-300:]
        assert "Traceback" not in answer.stderr
    bad_keys = _run(tmp_path, client, tail[1:], jwks=b'{"keys": [1]}')
    assert bad_keys.returncode == 2 and "cannot read the saved files" in bad_keys.stderr
    odd = status_list_token(app, {}, extra={"iat": "yesterday"})
    odd_list = _run(tmp_path, client, tail[1:], odd)
    assert odd_list.returncode == 2 and "Traceback" not in odd_list.stderr
