"""`examsvc certs export`: the issued certificates as JSON lines, for provincial or national platforms."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import db_session, utcnow
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
