"""`examsvc certs export`: the issued certificates as JSON lines, for provincial or national platforms.
`examsvc certs mirror-reset`: the Redis mirror of revocations made equal to the database again."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.db import db_session, utcnow
from . import revocations
from .models import Certificate
from .verification import verdict_of_certificate


@click.group("certs", cls=AppGroup)
def certs_group() -> None:
    """Pass certificates."""


@certs_group.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(out: Path) -> None:
    """One JSON object per line: number, status (as the API says it), masked details, token."""
    s = db_session()
    key_dir = current_app.config["EXAMSVC"].resolved_key_dir()
    now, count = utcnow(), 0
    with out.open("w", encoding="utf-8") as fh:
        for cert in s.scalars(select(Certificate).order_by(Certificate.id)):
            verdict = verdict_of_certificate(cert, key_dir, now)
            line = {"number": cert.number, **verdict.as_json(), "token": cert.token}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"{count} certificates written to {out}")


@certs_group.command("mirror-reset")
@click.option("--grace", default=10.0, show_default=True, help="seconds a revocation in flight may take")
def mirror_reset(grace: float) -> None:
    """Clears mirror bits of certificates the database does not hold as revoked (left by a
    revocation whose commit failed): the public API refuses those certificates until then."""
    redis = current_app.extensions["examsvc.limiter"].redis
    if redis is None:
        raise click.ClickException("EXAMSVC_REDIS_URL is not set: there is no mirror to reset")
    s = db_session()

    def revoked() -> list[int]:
        s.rollback()  # a fresh snapshot on each reading
        return list(s.scalars(select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))))

    cleared = revocations.reset(redis, current_app.extensions["examsvc.mirror"], revoked, grace)
    click.echo(f"{len(cleared)} stray bits cleared" + (f": status indexes {cleared}" if cleared else ""))
