"""scripts/verify_certificate.py checks certificates offline from saved copies of the keys and the
revocation list, without examsvc's code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .cert_helpers import certified

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "verify_certificate.py"


def _run(tmp_path: Path, client, certificate: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    (tmp_path / "jwks.json").write_bytes(client.get("/.well-known/jwks.json").get_data())
    (tmp_path / "revocation.jwt").write_bytes(client.get("/status/revocation").get_data())
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
    forged = _run(tmp_path, client, certs[0].token[:-3] + "AAA")
    assert forged.returncode == 1 and forged.stdout.startswith("NOT GENUINE")
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    revoked = _run(tmp_path, client, certs[0].token)  # with the fresh list
    assert revoked.returncode == 1 and revoked.stdout.startswith("REVOKED")
    assert _run(tmp_path, client, certs[1].token).stdout.startswith("VALID")
