"""`examsvc bank ...`: import, export, stats, lint and key rotation of the question bank."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit.service import CLI_ACTOR, record
from ..auth.service import is_active_officer
from ..core.db import db_session
from ..core.resources import question_bank_dir
from . import bundle
from .authoring import SourceProblem, bank_files, read_paths
from .cipher import BankCipher
from .lint import LintItem, counts_by_rule, lint
from .rotation import destroy_old_keks, rotate_kek
from .rules import QuestionRecord, check_record
from .service import export_records, import_records
from .stats import DIMENSIONS, bank_stats


def _cipher() -> BankCipher:
    return BankCipher(db_session(), current_app.extensions["examsvc.keys"])


def _passphrase(passphrase_file: Path | None, confirm: bool) -> str:
    if passphrase_file is not None:
        return passphrase_file.read_text(encoding="utf-8").strip()
    if os.environ.get("EXAMSVC_BANK_PASSPHRASE"):
        return os.environ["EXAMSVC_BANK_PASSPHRASE"]
    return click.prompt("Bundle passphrase", hide_input=True, confirmation_prompt=confirm)


def _records_of_bundle(path: Path, passphrase: str) -> tuple[list[QuestionRecord], list[str]]:
    try:
        _, raw = bundle.unpack(path.read_bytes(), passphrase)
    except bundle.BundleError as exc:
        raise click.ClickException(f"{path}: {exc}; nothing imported") from exc
    records, problems = [], []
    for number, item in enumerate(raw, start=1):
        checked = check_record(item) if isinstance(item, dict) else None
        if isinstance(checked, QuestionRecord):
            records.append(checked)
        else:
            qid = item.get("id", "") if isinstance(item, dict) else ""
            for p in checked or []:
                problems.append(f"{path.name} record {number} {qid} {p.field}: {p.text()}")
    return records, problems


@click.group("bank", cls=AppGroup)
def bank_group() -> None:
    """The encrypted question bank."""


@bank_group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--approved-by",
    metavar="OFFICER",
    help="The user name of the officer who reviewed these files; without it every new or changed "
    "question waits for an officer's approval on the bank's approvals page.",
)
def bank_import(path: Path, passphrase_file: Path | None, approved_by: str | None) -> None:
    """Import authoring files (a folder or one YAML file) or an encrypted bundle.

    Every record is checked first; if any is wrong, every problem is listed and nothing is imported.
    Importing the same questions again changes nothing; a changed question gets a new version.
    """
    if approved_by is not None and not is_active_officer(db_session(), approved_by):
        raise click.ClickException(f"--approved-by {approved_by!r}: no active exam officer of that name")
    if path.is_file() and bundle.is_bundle(path.read_bytes()[: len(bundle.MAGIC)]):
        records, problems = _records_of_bundle(path, _passphrase(passphrase_file, confirm=False))
    else:
        result = read_paths(bank_files(path))
        records, problems = result.records, [str(p) for p in result.problems]
        if not records and not problems:
            raise click.ClickException(f"{path}: no question files (*.yaml) found")
    if problems:
        for line in problems:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(problems)} problem(s); nothing imported")
    report = import_records(
        db_session(),
        CLI_ACTOR,
        _cipher(),
        records,
        origin=path.name,
        approved_by=approved_by and approved_by.lower(),
    )
    db_session().commit()
    waiting = f"; {report.waiting} wait for an officer's approval on /bank/review/" if report.waiting else ""
    click.echo(
        f"imported {len(records)} records: {report.created} new, "
        f"{report.updated} updated, {report.unchanged} unchanged{waiting}"
    )


@bank_group.command("export")
@click.option(
    "--encrypted", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="bundle file"
)
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def bank_export(out: Path, passphrase_file: Path | None) -> None:
    """Write the whole bank as one encrypted, integrity-protected bundle (there is no plaintext export)."""
    records = export_records(db_session(), _cipher())
    try:
        data = bundle.pack(
            records, _passphrase(passphrase_file, confirm=True), origin=current_app.config["EXAMSVC"].base_url
        )
    except bundle.BundleError as exc:
        raise click.ClickException(str(exc)) from exc
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    record(db_session(), CLI_ACTOR, "bank.export", "bank", out.name[:64], {"count": len(records)})
    db_session().commit()
    click.echo(f"wrote {len(records)} questions to {out}")


@bank_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def bank_stats_command(as_json: bool) -> None:
    """Counts by type × topic × industry × category × difficulty (active questions)."""
    stats = bank_stats(db_session())
    if as_json:
        click.echo(json.dumps(stats.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo("status: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.status_counts.items())))
    click.echo(f"active questions: {stats.active}")
    for dimension in DIMENSIONS:
        click.echo(f"\nby {dimension}:")
        for key, count in stats.totals[dimension].items():
            click.echo(f"  {key:<28} {count:>6}")
    row = "{:<10} {:<26} {:<22} {:<12} {:>4} {:>6}"
    click.echo("\n" + row.format("type", "topic", "industry", "category", "diff", "count"))
    for c in stats.cells:
        click.echo(row.format(*(c[d] for d in DIMENSIONS), c["count"]))


def _read_for_lint(files: list[Path]) -> tuple[list[LintItem], list[str]]:
    """The records with their file names, and every problem the import would report.

    One file at a time, since a record does not say which file it came from; the one problem that
    spans files (an id used twice) is checked here as read_paths checks it.
    """
    items: list[LintItem] = []
    problems: list[str] = []
    first_file: dict[str, str] = {}
    for path in files:
        result = read_paths([path])
        problems.extend(str(p) for p in result.problems)
        for one in result.records:
            qid = one.external_id
            if qid in first_file:
                problems.append(
                    str(SourceProblem(path.name, 0, qid, "id", "id already used in " + first_file[qid]))
                )
            first_file.setdefault(qid, path.name)
            items.append(LintItem(path.name, one))
    return items, problems


@bank_group.command("lint", with_appcontext=False)  # no database, no keys: works in a fresh checkout
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def bank_lint(path: Path | None, as_json: bool) -> None:
    """Check the authoring files (default: the shipped bank) for faults of fair questions.

    Prints each finding as `file id rule: detail`, then the count of every rule; exits 1 when any
    rule has a finding or a record is malformed. `question_bank/README.md` describes the rules.
    """
    folder = path or question_bank_dir()
    files = bank_files(folder)
    items, problems = _read_for_lint(files)
    if not items and not problems:
        raise click.ClickException(f"{folder}: no question files (*.yaml) found")
    findings = lint(items)
    counts = counts_by_rule(findings)
    if as_json:
        report = {"counts": counts, "findings": [f.as_json() for f in findings], "problems": problems}
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in [*problems, *map(str, findings)]:
            click.echo(line)
        click.echo(f"\n{'rule':<24} {'findings':>8}")
        for rule, count in counts.items():
            click.echo(f"{rule:<24} {count:>8}")
        click.echo(
            f"checked {len(items)} questions in {len(files)} file(s); {len(problems)} format problem(s)"
        )
    if findings or problems:
        raise SystemExit(1)


@bank_group.command("rotate-key")
@click.option("--destroy-old", is_flag=True, help="delete the old key files once everything is re-wrapped")
def bank_rotate_key(destroy_old: bool) -> None:
    """Make a new key-encryption key and re-wrap every data key under it (no downtime)."""
    keyring = current_app.extensions["examsvc.keys"]
    report = rotate_kek(db_session(), CLI_ACTOR, keyring)
    db_session().commit()
    click.echo(f"new key {report.new_key_id}; re-wrapped {report.rewrapped} data key(s)")
    if destroy_old:
        for name in destroy_old_keks(db_session(), keyring, report.old_files):
            click.echo(f"destroyed {name}.key")
    elif report.old_files:
        click.echo("old key files, no longer needed (destroy them with --destroy-old or by hand):")
        for name in report.old_files:
            click.echo(f"  {name}.key")
