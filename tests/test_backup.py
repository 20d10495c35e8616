"""Backup and restore drill: a database with a bank, a published sitting and certificates is written
to a file, restored into an empty database, and everything checks out there — row counts, the audit
chain, the sealed paper, the sealed ID numbers and the certificates' signatures."""

from __future__ import annotations

import gzip
import json
import os

from sqlalchemy import func, select

from examsvc import create_app
from examsvc.audit.service import verify as verify_chain
from examsvc.certificates.models import Certificate
from examsvc.cli import main
from examsvc.core.db import Base, db_session, make_engine, utcnow
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.papers.models import Paper
from examsvc.papers.service import open_paper_for_grading
from examsvc.questions.cipher import BankCipher
from examsvc.trainees import pii
from examsvc.trainees.models import Trainee

from .cert_helpers import certified
from .class_helpers import person
from .conftest import make_test_config
from .helpers import Client


def _empty_app(tmp_path, key_dir):  # type: ignore[no-untyped-def]
    url, drop = scratch_database(tmp_path, os.environ.get("EXAMSVC_TEST_DATABASE_URL"))
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    return create_app(make_test_config(tmp_path / "restored", url, key_dir=key_dir)), drop


def test_backup_and_restore_drill(app, sitting, tablet, officer, tmp_path, key_dir):
    certs = certified(app, sitting, tablet, officer)
    backup = tmp_path / "examsvc.backup.gz"
    done = app.test_cli_runner().invoke(main, ["backup", "--out", str(backup)])
    assert done.exit_code == 0, done.output
    with gzip.open(backup, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline())
        rest = fh.read()
    assert header["counts"]["certificate"] == 2 and header["counts"]["audit_event"] > 10
    assert not any(str(person(i)[2]) in rest for i in range(1, 4))  # ID numbers travel sealed only

    restored, drop = _empty_app(tmp_path, key_dir)
    try:
        result = restored.test_cli_runner().invoke(main, ["restore", str(backup)])
        assert result.exit_code == 0, result.output
        with restored.app_context():
            s = db_session()
            counts = {
                t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
            }
            assert counts == header["counts"]
            assert verify_chain(s).ok
            keys = restored.extensions["examsvc.keys"]
            paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id))
            assert open_paper_for_grading(BankCipher(s, keys), paper, utcnow())["questions"]
            trainee = s.scalars(select(Trainee).order_by(Trainee.id)).first()
            number = pii.unseal(keys.personal_data_keys(), trainee.id_sealed, "id", trainee.id_hash)
            assert number == str(person(1)[2])
            assert s.scalar(select(func.count()).select_from(Certificate)) == 2
        answer = Client(restored).raw.post("/api/v1/verify", json={"token": certs[0].token})
        assert answer.get_json()["status"] == "valid"
        again = restored.test_cli_runner().invoke(main, ["restore", str(backup)])
        assert again.exit_code != 0 and "empty database" in again.output  # never on top of data
    finally:
        restored.extensions["examsvc.db"].engine.dispose()
        drop()


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_is_written(tmp_path, key_dir):
    restored, drop = _empty_app(tmp_path, key_dir)
    try:
        bogus = tmp_path / "bogus.gz"
        bogus.write_bytes(b"not gzip at all")
        result = restored.test_cli_runner().invoke(main, ["restore", str(bogus)])
        assert result.exit_code != 0 and "not an examsvc backup" in result.output
        wrong = tmp_path / "wrong.gz"
        with gzip.open(wrong, "wt") as fh:
            fh.write(
                json.dumps({"format": "examsvc-backup/1", "revision": "0001", "tables": {}, "counts": {}})
                + "\n"
            )
        result = restored.test_cli_runner().invoke(main, ["restore", str(wrong)])
        assert result.exit_code != 0 and "schema 0001" in result.output
    finally:
        restored.extensions["examsvc.db"].engine.dispose()
        drop()


def test_a_backup_is_readable_by_its_owner_only_and_restore_warns_otherwise(app, tmp_path, key_dir):
    """Guards: ops.backup.backup_to (folder 0700, file 0600 from its creation, also over an older
    file of a wider mode) and restore's wider_than_owner warning."""
    folder = tmp_path / "backups"
    backup = folder / "examsvc.backup.gz"
    done = app.test_cli_runner().invoke(main, ["backup", "--out", str(backup)])
    assert done.exit_code == 0 and "0600" in done.output
    assert (os.stat(folder).st_mode & 0o777, os.stat(backup).st_mode & 0o777) == (0o700, 0o600)
    os.chmod(backup, 0o644)
    again = app.test_cli_runner().invoke(main, ["backup", "--out", str(backup)])
    assert again.exit_code == 0 and os.stat(backup).st_mode & 0o777 == 0o600
    os.chmod(backup, 0o644)
    restored, drop = _empty_app(tmp_path, key_dir)
    try:
        result = restored.test_cli_runner().invoke(main, ["restore", str(backup)])
        assert result.exit_code == 0 and "0644" in result.output and "warning" in result.output
    finally:
        restored.extensions["examsvc.db"].engine.dispose()
        drop()
