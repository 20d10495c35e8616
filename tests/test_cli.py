"""The examsvc command: schema upgrade on a fresh database, users, demo data."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from examsvc.auth.models import User
from examsvc.cli import main
from examsvc.core.db import db_session


def test_users_create_and_reset_totp(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        [
            "users",
            "create",
            "--username",
            "Chief",
            "--role",
            "officer",
            "--org-code",
            "450100",
            "--password",
            "Exams-boss-2026",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "created chief (officer)" in result.output
    refused = runner.invoke(
        main,
        [
            "users",
            "create",
            "--username",
            "p2",
            "--role",
            "proctor",
            "--org-code",
            "450100",
            "--password",
            "Proctor-pass-12",
        ],
    )
    assert refused.exit_code != 0 and "does not fit" in refused.output
    assert runner.invoke(main, ["users", "reset-totp", "officer1"]).exit_code == 0


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["demo", "load"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        users = db_session().scalar(select(func.count()).select_from(User))
    second = runner.invoke(main, ["demo", "load"])
    assert second.exit_code == 0 and second.output == first.output
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(User)) == users
    for role in ("admin", "officer", "proctor", "institution"):
        assert f"  {role}" in first.output


def test_fresh_database_from_the_command_line(tmp_path):
    """What a new installation does: db upgrade, demo load, audit verify, as separate processes."""
    env = {
        "EXAMSVC_INSTANCE_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "EXAMSVC_ARGON2_MEMORY_KIB": "1024",
        "EXAMSVC_ARGON2_TIME_COST": "1",
    }
    for args in (["db", "upgrade"], ["db", "upgrade"], ["demo", "load"], ["audit", "verify"]):
        done = subprocess.run(
            [sys.executable, "-m", "examsvc", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "examsvc.db").exists()
    assert oct((tmp_path / "keys").stat().st_mode & 0o777) == "0o700"


def test_orgs_create_checks_the_code_then_a_first_admin_fits_it(app):
    runner = app.test_cli_runner()
    bad = runner.invoke(main, ["orgs", "create", "--kind", "bureau", "--code", "4501", "--name", "某局"])
    assert bad.exit_code != 0 and "6" in bad.output
    good = runner.invoke(
        main, ["orgs", "create", "--kind", "bureau", "--code", "450100", "--name", "某市应急管理局"]
    )
    assert good.exit_code == 0, good.output
    admin = runner.invoke(
        main,
        ["users", "create", "--username", "first-admin", "--role", "admin", "--org-code", "450100"],
        input="Correct-horse-9\nCorrect-horse-9\n",
    )
    assert admin.exit_code == 0, admin.output
