"""scripts/verify_certificate.py checks certificates offline from saved copies of the keys and the
revocation list, without examsvc's code."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

from examsvc.core.crypto.jws import sign
from examsvc.core.signing_keys import current_signer

from .cert_helpers import altered, certified

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "verify_certificate.py"


def _run(
    tmp_path: Path, client, certificate: str, status_list: bytes | None = None, jwks: bytes | None = None
) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    """The script on freshly saved keys and list (or the given files, as saved some time ago)."""
    keys = jwks if jwks is not None else client.get("/.well-known/jwks.json").get_data()
    (tmp_path / "jwks.json").write_bytes(keys)
    saved = status_list if status_list is not None else client.get("/status/revocation").get_data()
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
    assert valid.returncode == 0 and valid.stdout.startswith("VALID") and certs[0].number in valid.stdout
    forged = _run(tmp_path, client, altered(certs[0].token))
    assert forged.returncode == 1 and forged.stdout.startswith("NOT GENUINE")
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    revoked = _run(tmp_path, client, certs[0].token)  # with the fresh list
    assert revoked.returncode == 1 and revoked.stdout.startswith("REVOKED")
    assert _run(tmp_path, client, certs[1].token).stdout.startswith("VALID")


def _old_list(app, revoked: list[int], days_ago: int, signer=None) -> bytes:  # type: ignore[no-untyped-def]
    """A revocation list as the server signed it `days_ago` days ago (it lives one day)."""
    from examsvc.certificates import statuslist
    from examsvc.core.crypto.jws import sign
    from examsvc.core.signing_keys import current_signer

    made = int(time.time()) - days_ago * 86400
    kid, key = signer or current_signer(app.config["EXAMSVC"].resolved_key_dir())
    listing = {
        "statusPurpose": "revocation",
        "encodedList": statuslist.encode(revoked, max(revoked, default=0)),
    }
    return sign(
        {"iss": "450100", "iat": made, "exp": made + 86400, "status_list": listing}, key, kid
    ).encode()


def test_an_expired_list_cannot_vouch_but_still_shows_revocations(
    app, client, sitting, tablet, officer, tmp_path
):
    certs = certified(app, sitting, tablet, officer)
    stale = _old_list(app, [certs[0].status_index], days_ago=3)
    unknown = _run(tmp_path, client, certs[1].token, stale)
    assert unknown.returncode == 2 and unknown.stdout.startswith("UNKNOWN") and "fresh" in unknown.stdout
    still_revoked = _run(tmp_path, client, certs[0].token, stale)
    assert still_revoked.returncode == 1 and still_revoked.stdout.startswith("REVOKED")
    newer_than_list = _old_list(app, [], days_ago=0)  # 8 bits: the certificates are past its end
    assert _run(tmp_path, client, certs[1].token, newer_than_list).stdout.startswith("VALID")


def test_a_list_not_signed_by_the_bureau_is_refused(app, client, sitting, tablet, officer, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from examsvc.core.signing_keys import current_signer

    certs = certified(app, sitting, tablet, officer)
    kid = current_signer(app.config["EXAMSVC"].resolved_key_dir())[0]
    forged = _old_list(app, [], days_ago=0, signer=(kid, Ed25519PrivateKey.generate()))
    answer = _run(tmp_path, client, certs[0].token, forged)
    assert answer.returncode == 2 and answer.stdout == "" and "not one the bureau signed" in answer.stderr


def test_urls_with_a_query_a_later_start_and_unreadable_files(
    app, client, sitting, tablet, officer, tmp_path
):
    """Guards: the script's token_of (a query or fragment after the token), its NOT YET VALID
    before the start (it said EXPIRED), and exit 2 with a message for files it cannot read."""
    certs = certified(app, sitting, tablet, officer)
    url = f"{app.config['EXAMSVC'].base_url}/v/{certs[0].token}?from=wechat#top"
    assert _run(tmp_path, client, url).stdout.startswith("VALID")
    body = certs[0].token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    kid, key = current_signer(app.config["EXAMSVC"].resolved_key_dir())
    later = sign({**claims, "nbf": int(time.time()) + 86400}, key, kid)
    early = _run(tmp_path, client, later)
    assert early.returncode == 1 and early.stdout.startswith("NOT YET VALID")
    unreadable = _run(tmp_path, client, certs[0].token, jwks=b"not json")
    assert unreadable.returncode == 2 and "cannot read the saved files" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr
