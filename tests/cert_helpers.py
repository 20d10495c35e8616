"""A published sitting with certificates: two passes and one failure."""

from __future__ import annotations

from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session

from .tablet_helpers import close_sitting, enrollments, enter


def certified(app, sitting, tablet, officer) -> list[Certificate]:  # type: ignore[no-untyped-def]
    """Publishes the `sitting` fixture's results (two right sheets, one blank); the certificates."""
    first, second, third = enrollments(app, sitting)
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, second, 2, right=True)
    enter(app, tablet, sitting, third, 3, right=False)
    close_sitting(app, tablet, officer, sitting)
    with app.app_context():
        certs = db_session().scalars(select(Certificate).order_by(Certificate.id)).all()
        for cert in certs:
            db_session().expunge(cert)
        return list(certs)


def altered(token: str) -> str:
    """The token with one character in the middle of its signature changed. (Overwriting the last
    three with "AAA" left a token unchanged about once in 16,384 runs: the last character of a
    64-byte signature is one of only four. CI met that once.)"""
    head, body, signature = token.split(".")
    middle = len(signature) // 2
    other = "B" if signature[middle] == "A" else "A"
    return f"{head}.{body}.{signature[:middle]}{other}{signature[middle + 1 :]}"


def api(client, body):  # type: ignore[no-untyped-def]
    """The public JSON API: no cookie, no CSRF token."""
    return client.raw.post("/api/v1/verify", json=body)


def claims_of(token: str) -> dict:
    """The payload of a token, unverified (to build altered copies in tests)."""
    import base64
    import json

    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def status_list_token(
    app, statuses: dict[int, int], days_ago: float = 0, signer=None, sub=None, extra=None
) -> bytes:  # type: ignore[no-untyped-def]
    """A Status List Token as the server signs it, made `days_ago` days ago (it lives one day)."""
    import time

    from examsvc.certificates import status, statuslist
    from examsvc.core.crypto.jws import sign
    from examsvc.core.signing_keys import STATUS, current_signer

    config = app.config["EXAMSVC"]
    made = int(time.time() - days_ago * 86400)
    kid, key = signer or current_signer(config.resolved_key_dir(), STATUS)
    claims = {
        "sub": sub or status.list_uri(config.base_url),
        "iat": made,
        "exp": made + 86400,
        "ttl": 300,
        "status_list": {"bits": 2, "lst": statuslist.encode(statuses)},
        **(extra or {}),
    }
    return sign(claims, key, kid, status.TYP).encode()
