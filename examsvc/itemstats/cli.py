"""`examsvc stats measure`: item statistics of published sittings from the shell (publishing
measures a sitting by itself; this is for sittings published before the statistics existed)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit.service import CLI_ACTOR
from ..core.db import db_session, utcnow
from ..questions.cipher import BankCipher
from .service import measure_and_record, unmeasured_sittings


@click.group("stats", cls=AppGroup)
def stats_group() -> None:
    """Item statistics of published sittings."""


@stats_group.command("measure")
@click.option("--all", "every", is_flag=True, help="measure every published sitting again")
def stats_measure(every: bool) -> None:
    """Measure the published sittings that have no figures yet (one transaction a sitting)."""
    s = db_session()
    cipher, config = BankCipher(s, current_app.extensions["examsvc.keys"]), current_app.config["EXAMSVC"]
    sittings = unmeasured_sittings(s, every)
    flagged = 0
    for sitting in sittings:
        measured = measure_and_record(s, CLI_ACTOR, cipher, sitting, config, utcnow())
        s.commit()
        flagged += measured.flagged if measured else 0
    click.echo(f"measured {len(sittings)} sittings; {flagged} questions flagged")
