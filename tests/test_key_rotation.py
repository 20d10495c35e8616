"""Key lifecycle: the next certificate key is published before it signs, so a verifier that cached
the JWKS before a rotation (and refreshes it no more often than Cache-Control allows) never meets
a kid it does not hold; a retired key stays published while a certificate it signed is unexpired."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
from sqlalchemy import select, update

from examsvc.certificates.models import Certificate
from examsvc.cli import main
from examsvc.core import signing_keys
from examsvc.core.db import db_session, utcnow
from examsvc.exams.models import Attempt

from .cert_helpers import api, certified
from .tablet_helpers import correct, right_answers

TYP = "aqcert+jwt"


class CachingVerifier:
    """An employer's system: PyJWT with a JWKS it fetched once and keeps."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.refresh()

    def refresh(self) -> None:
        self.jwks = jwt.PyJWKSet.from_dict(self.client.get("/.well-known/jwks.json").get_json())

    def verdict(self, token: str) -> str:
        kid = jwt.get_unverified_header(token)["kid"]
        key = next((k for k in self.jwks.keys if k.key_id == kid), None)
        if key is None:
            return "unknown key"  # the verifier cannot tell: not the same as "not genuine"
        try:
            jwt.decode(token, key.key, algorithms=["EdDSA"])
        except jwt.InvalidTokenError:
            return "not genuine"
        return "valid" if jwt.get_unverified_header(token).get("typ") == TYP else "not genuine"


def _make_due(key_dir, kid: str) -> None:  # type: ignore[no-untyped-def]
    """The pre-publication period has passed for `kid` (instead of waiting 72 hours)."""
    for path in key_dir.glob("cert-signing-*.json"):
        record = json.loads(path.read_text())
        if record["kid"] == kid:
            record["signs_from"] = int(signing_keys.now()) - 1
            path.write_text(json.dumps(record))


def _kids(client) -> list[str]:  # type: ignore[no-untyped-def]
    return [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]


def test_a_verifier_with_a_cached_jwks_never_calls_a_valid_certificate_not_genuine(
    app, client, sitting, tablet, officer, second_officer
):
    key_dir = app.config["EXAMSVC"].resolved_key_dir()
    before = certified(app, sitting, tablet, officer)
    cached_before = CachingVerifier(client)  # fetched before the rotation
    old_kid = signing_keys.current_signer(key_dir)[0]
    rotated = app.test_cli_runner().invoke(main, ["keys", "rotate"])
    assert rotated.exit_code == 0 and "signs from" in rotated.output
    new_kid = signing_keys.published(key_dir)[-1].kid  # the newest (the key folder outlives a test)
    # Published at once, not signing yet: the old key signs on, and both verifiers know it.
    assert new_kid in _kids(client) and signing_keys.current_signer(key_dir)[0] == old_kid
    cached_after = CachingVerifier(client)
    for token in (c.token for c in before):
        assert cached_before.verdict(token) == cached_after.verdict(token) == "valid"
    # The pre-publication period passes; every verifier refreshed within it (max-age 300 s).
    _make_due(key_dir, new_kid)
    cached_before.refresh()
    with app.app_context():  # seat 3 failed; a correction passes it and issues its certificate
        failed = db_session().scalar(select(Attempt).where(Attempt.seat_no == 3))
    fix = {
        "presence": "present",
        "seat_no": "3",
        "answers": right_answers(app, sitting, 3),
        "reason": "阅卷错误",
    }
    correct(app, officer, second_officer, sitting, failed.id, fix)
    with app.app_context():
        newest = db_session().scalar(select(Certificate).where(Certificate.attempt_id == failed.id))
        assert newest.kid == new_kid
    for verifier in (cached_before, cached_after):
        for cert in [*before, newest]:
            assert verifier.verdict(cert.token) == "valid", (verifier, cert.kid)
    assert api(client, {"token": newest.token}).get_json()["status"] == "valid"
    # The old key stays published while a certificate it signed is unexpired, then goes.
    assert old_kid in _kids(client)
    with app.app_context():
        db_session().execute(
            update(Certificate)
            .where(Certificate.kid == old_kid)
            .values(expires_at=utcnow() - timedelta(days=1))
        )
        db_session().commit()
    assert old_kid not in _kids(client) and new_kid in _kids(client)
    # Our own server keeps every key: it still reads what the retired key signed (the token's own
    # exp still lies ahead here; only the records were aged).
    assert api(client, {"token": before[0].token}).get_json()["status"] == "valid"


def test_a_verifier_missing_the_new_key_says_so_instead_of_not_genuine(app, client, sitting, tablet, officer):
    """A verifier that skipped the pre-publication (or one configured with --now) meets an unknown
    kid: it must say it lacks the key, never that the certificate is forged."""
    certs = certified(app, sitting, tablet, officer)
    stale = CachingVerifier(client)
    assert app.test_cli_runner().invoke(main, ["keys", "rotate", "--now"]).exit_code == 0
    from examsvc.certificates.claims import TYP as CERT_TYP
    from examsvc.core.crypto.jws import sign

    from .cert_helpers import claims_of

    kid, key = signing_keys.current_signer(app.config["EXAMSVC"].resolved_key_dir())
    resigned = sign(claims_of(certs[0].token), key, kid, CERT_TYP)
    assert stale.verdict(resigned) == "unknown key" and stale.verdict(certs[0].token) == "valid"


def test_keys_older_than_types_keep_their_untyped_tokens_readable(app, client, sitting, tablet, officer):
    """An installation from before key purposes: its untyped-format key's tokens (no typ) still
    verify; a typed-format key's untyped token does not."""
    from examsvc.core.crypto.jws import sign

    from .cert_helpers import claims_of

    certs = certified(app, sitting, tablet, officer)
    key_dir = app.config["EXAMSVC"].resolved_key_dir()
    kid, key = signing_keys.current_signer(key_dir)
    untyped = sign(claims_of(certs[0].token), key, kid)  # as a typed-format key: refused
    assert api(client, {"token": untyped}).get_json()["status"] == "not_genuine"
    for path in key_dir.glob("cert-signing-*.json"):  # the same key, as an old installation wrote it
        record = json.loads(path.read_text())
        del record["format"], record["signs_from"]
        path.write_text(json.dumps(record))
    signing_keys._PUBLIC_CACHE.clear()
    with app.app_context():
        cert = db_session().get(Certificate, certs[0].id)
        cert.token = untyped
        db_session().commit()
    assert api(client, {"token": untyped}).get_json()["status"] == "valid"
    # Start-up on such a directory publishes the next, typed-format key ahead of its use.
    created = signing_keys.ensure_signing_keys(key_dir, lead_seconds=3600)
    assert created and signing_keys.current_signer(key_dir)[0] == kid
