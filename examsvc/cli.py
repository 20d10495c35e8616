"""The `examsvc` command: a Flask CLI group, so `examsvc run` and `examsvc shell` work too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy import select

from . import create_app
from .audit.service import CLI_ACTOR
from .auth import service as users
from .auth.models import User
from .auth.rules import ROLE_ORG_KIND
from .certificates.cli import certs_group
from .certificates.revocations import forget_issued
from .core.config import Config
from .core.crypto.keyfiles import KeyFileError
from .core.db import db_session, today_in_beijing
from .core.keyring import init_keys
from .core.migrate import upgrade_database
from .core.signing_keys import CERTIFICATE, PREFIXES, rotate
from .demo.scanning import write_sample_sheets
from .demo.scene import load_demo, write_sample_roster
from .itemstats.cli import stats_group
from .jobs.cli import jobs_group
from .ops.backup import BackupError, backup_to, restore, wider_than_owner
from .ops.housekeeping import prune
from .ops.retention import anonymise, due, due_people
from .orgs.models import Organisation
from .orgs.service import OrganisationError, create_organisation
from .oversight.audit_cli import audit_group
from .papers.cli import papers_group
from .questions.cli import bank_group


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """examsvc: the bureau's exam system."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    upgrade_database(current_app.extensions["examsvc.db"].engine)
    click.echo("database schema is current")


@main.group()
def keys() -> None:
    """Key files in EXAMSVC_KEY_DIR."""


@keys.command("init", with_appcontext=False)  # the app itself refuses to start in production without keys
def keys_init() -> None:
    """Create the key files that are missing (never overwrites one)."""
    try:
        config = click.get_current_context().ensure_object(ScriptInfo).load_app().config["EXAMSVC"]
    except KeyFileError:  # production: the app will not start without its keys, which is why we are here
        config = Config.from_env()
    created = init_keys(config.resolved_key_dir(), config.key_prepublish_hours * 3600)
    click.echo("created: " + ", ".join(created) if created else "all keys present")


@keys.command("rotate")
@click.option("--purpose", type=click.Choice(list(PREFIXES)), default=CERTIFICATE, show_default=True)
@click.option(
    "--now",
    "at_once",
    is_flag=True,
    help="sign at once (a compromised key), not after EXAMSVC_KEY_PREPUBLISH_HOURS",
)
def keys_rotate(purpose: str, at_once: bool) -> None:
    """Add a signing key: published in the JWKS at once, signing after the pre-publication period
    (so verifiers that cache the JWKS know it first); older keys stay published while needed."""
    config = current_app.config["EXAMSVC"]
    lead = 0 if at_once else config.key_prepublish_hours * 3600
    key = rotate(config.resolved_key_dir(), purpose, lead)
    when = datetime.fromtimestamp(key.signs_from, UTC).isoformat(timespec="minutes")
    click.echo(f"new {purpose} signing key {key.kid}: published now, signs from {when} UTC")


@main.command("retention")
@click.option("--apply", "apply_it", is_flag=True, help="anonymise what is listed (asks first)")
@click.option("--yes", is_flag=True, help="do not ask (for cron)")
def retention_command(apply_it: bool, yes: bool) -> None:
    """List personal data past EXAMSVC_RETENTION_YEARS after the trainee's last class; --apply
    anonymises it (statistics stay: enrollments, attempts and certificates remain)."""
    s, years = db_session(), current_app.config["EXAMSVC"].retention_years
    today = today_in_beijing()  # one day for the listing and the anonymising, even across midnight
    found = due(s, today, years)
    for number, masked, last in due_people(s, today, years):
        click.echo(f"  trainee {number:>8}  {masked}  last class ended {last}")
    click.echo(
        f"{found.trainees} trainee(s) whose last class ended before {found.last_class_ended_before} "
        f"({years} years), {found.certificates} certificate token(s)"
    )
    if not apply_it or not found.trainees:
        return
    if not yes:
        click.confirm("Anonymise them now? This cannot be undone", abort=True)
    anonymise(s, CLI_ACTOR, today, years)
    s.commit()
    redis = current_app.extensions["examsvc.limiter"].redis
    if redis is not None:  # the cleared tokens must go to the database again (fast_verify.py)
        forget_issued(redis, current_app.extensions["examsvc.mirror"])
    click.echo("anonymised")


@main.command("backup")
@click.option("--out", "path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write the whole database to FILE (gzip'd JSON lines; the key directory is not in it)."""
    counts = backup_to(db_session(), path)
    click.echo(f"{path}: {sum(counts.values())} rows in {len(counts)} tables")
    click.echo(f"{path}: mode 0600 (only its owner may read it); keep it in a folder of mode 0700")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Load a backup into this empty database (run `examsvc db upgrade` first; the same key directory
    must be in place for the bank, personal data and certificates to be readable)."""
    for warning in wider_than_owner(path):
        click.echo(f"warning: {warning}: others than its owner may read the backup (chmod go-rwx)", err=True)
    s = db_session()
    try:
        with path.open("rb") as source:
            counts = restore(s, source)
    except BackupError as exc:
        s.rollback()
        raise click.ClickException(str(exc)) from exc
    s.commit()
    click.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables")


@main.command("prune")
def prune_command() -> None:
    """Delete ended login sessions, sign-in attempts older than a month, ended rate-limit windows and
    background jobs' files past their keeping time (run it daily, e.g. from cron)."""
    s = db_session()
    done = prune(s, current_app.config["EXAMSVC"])
    s.commit()
    click.echo(
        f"deleted {done.sessions} sessions, {done.attempts} sign-in attempts, {done.counters} counters,"
        f" {done.job_files} job files"
    )


@main.group("orgs")
def orgs_group() -> None:
    """Organisations (the bureau's own, on a new installation; the rest in the admin pages)."""


@orgs_group.command("create")
@click.option("--kind", type=click.Choice(["bureau", "county", "institution", "employer"]), required=True)
@click.option("--code", required=True, help="6-digit division code (bureau, county) or credit code")
@click.option("--name", required=True)
@click.option("--county-code", default=None, help="6-digit code of the county it belongs to")
def orgs_create(kind: str, code: str, name: str, county_code: str | None) -> None:
    """Create an organisation; its code is checked like in the admin pages."""
    s = db_session()
    try:
        org = create_organisation(s, CLI_ACTOR, kind=kind, code=code, name=name, county_code=county_code)
    except OrganisationError as exc:
        raise click.ClickException(str(exc) % exc.params if exc.params else str(exc)) from exc
    s.commit()
    click.echo(f"created {org.kind} {org.code} {org.name}")


@main.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--display-name", default="")
@click.option("--role", type=click.Choice(["admin", "officer", "proctor", "institution"]), required=True)
@click.option("--org-code", required=True, help="code of the user's organisation")
@click.password_option("--password", help="asked for when not given")
def users_create(username: str, display_name: str, role: str, org_code: str, password: str) -> None:
    """Create a user (admins are created this way on a new installation)."""
    s = db_session()
    kind = ROLE_ORG_KIND[role]
    org = s.scalar(
        select(Organisation).where(Organisation.kind == kind, Organisation.code == org_code.upper())
    )
    if org is None:
        raise click.ClickException(
            f"no organisation of kind {kind} with code {org_code}: a {role} does not fit"
        )
    try:
        user = users.create_user(
            s,
            CLI_ACTOR,
            current_app.extensions["examsvc.hasher"],
            username=username,
            display_name=display_name or username,
            role=role,
            org_id=org.id,
            password=password,
        )
    except users.UserError as exc:
        raise click.ClickException(str(exc) % exc.params if exc.params else str(exc)) from exc
    s.commit()
    click.echo(f"created {user.username} ({user.role}) in {org.name}")


@users_group.command("reset-totp")
@click.argument("username")
def users_reset_totp(username: str) -> None:
    """Forget a user's authenticator: they enrol a new one at the next sign-in."""
    s = db_session()
    user = s.scalar(select(User).where(User.username == users.normalise_username(username)))
    if user is None:
        raise click.ClickException(f"no user {username}")
    users.reset_totp(s, CLI_ACTOR, user)
    s.commit()
    click.echo(f"second factor of {user.username} reset")


main.add_command(bank_group)
main.add_command(papers_group)
main.add_command(jobs_group)
main.add_command(stats_group)
main.add_command(certs_group)
main.add_command(audit_group)


@main.group("demo")
def demo_group() -> None:
    """Demonstration data (refused in production)."""


@demo_group.command("load")
def demo_load() -> None:
    """Load the demo organisations, users, bank and classes; running it again changes nothing."""
    config = current_app.config["EXAMSVC"]
    if config.is_production:
        raise click.ClickException("demo data is not loaded in production mode")
    extensions = current_app.extensions
    logins = load_demo(db_session(), extensions["examsvc.hasher"], extensions["examsvc.keys"], config)
    db_session().commit()
    sample = write_sample_roster(config.instance_dir)
    click.echo("Demo logins (user name / password):")
    for login in logins:
        click.echo(f"  {login.role:<12} {login.username:<16} {login.password}  {login.note}")
    click.echo(f"A roster file with mistakes, to try an upload: {sample}")
    sheets = write_sample_sheets(db_session(), extensions["examsvc.keys"], config.instance_dir)
    if sheets is not None:
        click.echo(f"Scanned answer sheets of the sitting under way, to try reading them: {sheets}")
