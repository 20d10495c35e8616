"""`examsvc audit verify` and `examsvc audit checkpoint`: the hash-chained audit trail from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit import service as audit
from ..audit.service import CLI_ACTOR
from ..core.db import db_session, utcnow
from . import checkpoint


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a signed checkpoint (examsvc audit checkpoint) the chain must still hold; repeatable",
)
def audit_verify(checkpoints: tuple[Path, ...]) -> None:
    """Check every entry of the chain, and that it still holds each checkpoint's head; exit 1 on any
    edited, deleted or reordered entry, or a chain rewritten since a checkpoint."""
    s, key_dir = db_session(), current_app.config["EXAMSVC"].resolved_key_dir()
    report = audit.verify(s)
    for problem in report.problems:
        click.echo(f"entry {problem.seq}: {problem.problem}", err=True)
    click.echo(f"{report.entries} entries, head {report.head_hash}")
    broken = [(path, checkpoint.check(s, path.read_text(), key_dir)) for path in checkpoints]
    for path, result in broken:
        click.echo(f"{path.name}: {result}", err=bool(result.problem))
    if not report.ok or any(result.problem for _, result in broken):
        click.echo("audit chain BROKEN", err=True)
        sys.exit(1)
    click.echo("audit chain intact")


@audit_group.command("checkpoint")
@click.option("--out", "folder", required=True, type=click.Path(file_okay=False, path_type=Path))
def audit_checkpoint(folder: Path) -> None:
    """Sign the chain's head into FOLDER (run it daily, e.g. from cron; keep FOLDER off this database's
    machine): a later rewrite of the whole chain no longer holds the head."""
    s = db_session()
    try:
        point, token = checkpoint.issue(
            s, CLI_ACTOR, current_app.config["EXAMSVC"].resolved_key_dir(), utcnow()
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / point.file_name
    path.write_text(token + "\n")
    s.commit()
    click.echo(f"{path}: entry {point.seq}, head {point.head}")
