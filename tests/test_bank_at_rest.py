"""No question text anywhere in the stored database: the raw SQLite file or a PostgreSQL dump."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from examsvc import create_app
from examsvc.cli import main
from examsvc.db import make_engine
from examsvc.migrate import upgrade_database
from examsvc.questions.authoring import bank_files, read_paths
from examsvc.scratch import scratch_database

from .conftest import make_test_config

BANK = Path(__file__).resolve().parent.parent / "question_bank"


@pytest.fixture(scope="module")
def stored_bank(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The starter bank imported and committed into a database of its own."""
    tmp = tmp_path_factory.mktemp("at-rest")
    base = os.environ.get("EXAMSVC_TEST_DATABASE_URL")
    url, drop = scratch_database(tmp, base if base and not base.startswith("sqlite") else None)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app(make_test_config(tmp, url))
    result = app.test_cli_runner().invoke(main, ["bank", "import", str(BANK)])
    assert result.exit_code == 0, result.output
    app.extensions["examsvc.db"].engine.dispose()
    yield url, app
    drop()


def _raw_database(url: str) -> bytes:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    parsed = urlparse(url)
    schema = unquote(parse_qs(parsed.query)["options"][0]).split("=", 1)[1]
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            parsed.hostname,
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username,
            "-n",
            schema,
            parsed.path.lstrip("/"),
        ],
        check=True,
        capture_output=True,
    )
    return dump.stdout


def test_no_stem_appears_in_the_stored_database(stored_bank):
    url, _ = stored_bank
    raw = _raw_database(url)
    assert b"question_version" in raw  # the dump is real: it holds the bank's table
    records = read_paths(bank_files(BANK)).records
    assert len(records) >= 600
    leaked = [r.external_id for r in records if r.stem.encode("utf-8") in raw]
    assert leaked == []
    leaked_explanations = [r.external_id for r in records if r.explanation.encode("utf-8") in raw]
    assert leaked_explanations == []


def test_stats_after_importing_the_starter_bank(stored_bank):
    import json

    _, app = stored_bank
    data = json.loads(app.test_cli_runner().invoke(main, ["bank", "stats", "--json"]).output)
    assert data["active"] >= 600
    for topic in (
        "work_safety_law",
        "occupational_disease_law",
        "work_injury_regulations",
        "social_insurance_law",
        "criminal_law",
        "documentary",
    ):
        assert data["by"]["topic"][topic] > 0
    for industry in (
        "coal_mine",
        "non_coal_mine",
        "machinery",
        "rail_transport",
        "rail_construction",
        "hazardous_chemicals",
    ):
        assert data["by"]["industry"][industry] > 0
