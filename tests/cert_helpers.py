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
