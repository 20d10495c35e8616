"""Committed databases for tests that read what is really stored: the raw SQLite file or a pg_dump."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from examsvc import create_app
from examsvc.cli import main
from examsvc.core.db import make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database

from .conftest import make_test_config


def committed_database(tmp: Path, *cli_args: str):  # type: ignore[no-untyped-def]
    """A scratch database (on the engine under test) after running one `examsvc` command on it."""
    base = os.environ.get("EXAMSVC_TEST_DATABASE_URL")
    url, drop = scratch_database(tmp, base if base and not base.startswith("sqlite") else None)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app(make_test_config(tmp, url))
    result = app.test_cli_runner().invoke(main, list(cli_args))
    assert result.exit_code == 0, result.output
    app.extensions["examsvc.db"].engine.dispose()
    return url, app, drop


def raw_database(url: str) -> bytes:
    """Every byte the database keeps: the SQLite file and its WAL, or a pg_dump of the schema."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    parsed = urlparse(url)
    schema = unquote(parse_qs(parsed.query)["options"][0]).split("=", 1)[1]
    command = [
        "pg_dump",
        "-h",
        parsed.hostname,
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username,
        "-n",
        schema,
    ]
    return subprocess.run([*command, parsed.path.lstrip("/")], check=True, capture_output=True).stdout
