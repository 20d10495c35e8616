"""No question text anywhere in the stored database: the raw SQLite file or a PostgreSQL dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from examsvc.cli import main
from examsvc.questions.authoring import bank_files, read_paths

from .stored import committed_database, raw_database

BANK = Path(__file__).resolve().parent.parent / "question_bank"


@pytest.fixture(scope="module")
def stored_bank(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The starter bank imported and committed into a database of its own."""
    url, app, drop = committed_database(tmp_path_factory.mktemp("at-rest"), "bank", "import", str(BANK))
    yield url, app
    drop()


def test_no_stem_appears_in_the_stored_database(stored_bank):
    url, _ = stored_bank
    raw = raw_database(url)
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
