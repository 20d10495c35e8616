"""`examsvc papers ...`: list, generate and print papers for many classes at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..audit.service import CLI_ACTOR
from ..classes.models import TrainingClass
from ..core.db import BEIJING, db_session, utcnow
from ..core.msgid import RuleError
from ..jobs.cli import show_progress
from ..orgs.service import bureau_name
from ..questions.cipher import BankCipher
from ..web.viewutil import clock_now
from . import service
from .composition import seed_of
from .jobs import render_class_paper
from .models import Paper
from .pdf import paper_facts


def _class(ref: str) -> TrainingClass:
    training_class = db_session().scalar(select(TrainingClass).where(TrainingClass.code == ref))
    if training_class is None:
        raise click.ClickException(f"no class {ref}")
    return training_class


def _message(exc: RuleError) -> str:
    return str(exc) % exc.params if exc.params else str(exc)


@click.group("papers", cls=AppGroup)
def papers_group() -> None:
    """Sealed exam papers."""


@papers_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def papers_list(as_json: bool) -> None:
    """Every paper: class, sitting, sealed or released, release time, hash (never the questions)."""
    now = utcnow()
    rows = [
        {
            "class": p.training_class.code,
            "sitting": p.sitting,
            "status": "released" if p.released(now) else "sealed",
            "starts_at": p.starts_at.isoformat() if p.starts_at else None,
            "release_at": p.release_at.isoformat() if p.release_at else None,
            "hash": p.content_hash,
            "relaxed": p.relaxed.split(",") if p.relaxed else [],
        }
        for p in db_session().scalars(select(Paper).order_by(Paper.id))
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['class']:<12} {r['sitting']:<7} {r['status']:<9} opens {r['release_at']}  {r['hash'][:16]}"
        )


@papers_group.command("generate")
@click.option("--class", "ref", required=True, help="class code, e.g. 2026-00012")
@click.option("--sitting", type=click.Choice(["first", "retake"]), required=True)
def papers_generate(ref: str, sitting: str) -> None:
    """Assemble, seal and store the class's paper for one sitting (audited); it opens before the
    sitting, as the sitting's schedule says."""
    s = db_session()
    cipher = BankCipher(s, current_app.extensions["examsvc.keys"])
    try:
        paper = service.generate_paper(
            s, CLI_ACTOR, cipher, _class(ref), sitting, current_app.config["EXAMSVC"]
        )
    except RuleError as exc:
        raise click.ClickException(_message(exc)) from exc
    s.commit()
    opens = paper.release_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if paper.release_at else None
    click.echo(
        f"{ref} {sitting}: sealed until {opens or 'its sitting is scheduled'}, hash {paper.content_hash}"
    )


@papers_group.command("pdf")
@click.option("--class", "ref", required=True)
@click.option("--sitting", type=click.Choice(["first", "retake"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def papers_pdf(ref: str, sitting: str, out: Path) -> None:
    """Print every seat of a released paper into one PDF; a sealed paper writes nothing and fails."""
    s = db_session()
    training_class = _class(ref)
    paper = s.scalar(select(Paper).where(Paper.class_id == training_class.id, Paper.sitting == sitting))
    if paper is None:
        raise click.ClickException(f"{ref} has no {sitting} paper")
    cipher = BankCipher(s, current_app.extensions["examsvc.keys"])
    try:
        payload = service.open_paper(s, CLI_ACTOR, cipher, paper, clock_now(), "print")
    except RuleError as exc:
        raise click.ClickException(_message(exc)) from exc
    with current_app.test_request_context():
        facts = paper_facts(paper, bureau_name(s))
        processes = current_app.config["EXAMSVC"].jobs_render_processes
        pdf = render_class_paper(
            payload, seed_of(payload, paper.seed), paper.seats, facts, processes, show_progress("seats")
        )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pdf)
    s.commit()
    click.echo(f"wrote {paper.seats} seats to {out}")
