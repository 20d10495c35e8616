"""The stored bank: encrypted at rest, bound to its rows, rotated keys, idempotent import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from examsvc.cli import main
from examsvc.core.crypto.aead import DecryptionError
from examsvc.core.db import db_session
from examsvc.questions import envelope
from examsvc.questions.cipher import BankCipher
from examsvc.questions.models import BankDataKey, Question, QuestionVersion
from examsvc.questions.service import current_versions_query

from .bank_helpers import question, write_bank


@pytest.fixture
def config_overrides(tmp_path):  # type: ignore[no-untyped-def]
    return {"key_dir": tmp_path / "own-keys"}  # rotation changes key files: never the shared ones


def _import(app, path, *extra):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["bank", "import", str(path), *extra])


def _contents(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        cipher = BankCipher(db_session(), app.extensions["examsvc.keys"])
        versions = [v for _, v in db_session().execute(current_versions_query()).all()]
        return {
            v.question_id: c["stem"]
            for v, c in zip(versions, cipher.open_many(versions).values(), strict=True)
        }


def test_import_is_idempotent_and_edits_make_versions(app, tmp_path):
    bank = write_bank(tmp_path / "bank", [question(i) for i in range(1, 6)])
    first = _import(app, bank)
    assert first.exit_code == 0, first.output
    assert "5 new" in first.output
    assert "5 unchanged" in _import(app, bank).output
    write_bank(tmp_path / "bank", [question(i) for i in range(1, 5)] + [question(5, stem="改过的题干")])
    assert "1 updated" in _import(app, bank).output
    with app.app_context():
        q = db_session().scalar(select(Question).where(Question.external_id == "t-0005"))
        assert db_session().scalar(select(func.count()).where(QuestionVersion.question_id == q.id)) == 2
        # imported without a reviewer: the change waits for an officer (tests/test_bank_review.py)
        assert [
            v.review
            for v in db_session().scalars(
                select(QuestionVersion)
                .where(QuestionVersion.question_id == q.id)
                .order_by(QuestionVersion.version)
            )
        ] == ["rejected", "pending"]


def test_a_bad_record_imports_nothing_and_says_where(app, tmp_path):
    bank = write_bank(tmp_path / "bank", [question(1), question(2, answer="BD"), question(3)])
    result = _import(app, bank)
    assert result.exit_code == 1
    assert "test.yaml:" in result.output and "t-0002 answer:" in result.output
    assert "nothing imported" in result.output
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Question)) == 0


def test_content_is_not_stored_in_clear(app, tmp_path):
    bank = write_bank(tmp_path / "bank", [question(1)])
    _import(app, bank)
    with app.app_context():
        version = db_session().scalars(select(QuestionVersion)).one()
        assert "测试题干".encode() not in version.content
        assert "选项A1".encode() not in version.content


def test_a_ciphertext_moved_to_another_row_fails_to_open(app, tmp_path):
    _import(app, write_bank(tmp_path / "bank", [question(1), question(2)]))
    with app.app_context():
        s = db_session()
        one, two = s.scalars(select(QuestionVersion).order_by(QuestionVersion.id)).all()
        s.execute(update(QuestionVersion).where(QuestionVersion.id == two.id).values(content=one.content))
        s.expire_all()
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        moved = s.get(QuestionVersion, two.id)
        with pytest.raises(DecryptionError):
            cipher.open(moved)
        assert cipher.open(s.get(QuestionVersion, one.id))["stem"].startswith("测试题干第1号")


def test_rotation_keeps_everything_readable_and_frees_the_old_key(app, tmp_path):
    _import(app, write_bank(tmp_path / "bank", [question(i) for i in range(1, 4)]))
    before = _contents(app)
    keyring = app.extensions["examsvc.keys"]
    old_files = sorted(p.name for p in keyring.key_dir.glob("bank-kek-*.key"))
    result = app.test_cli_runner().invoke(main, ["bank", "rotate-key", "--destroy-old"])
    assert result.exit_code == 0, result.output
    remaining = sorted(p.name for p in keyring.key_dir.glob("bank-kek-*.key"))
    assert len(remaining) == 1 and remaining[0] not in old_files  # the old key is gone
    assert _contents(app) == before
    with app.app_context():
        dek = db_session().scalars(select(BankDataKey)).one()
        current = keyring.bank_keks().current
        envelope.unwrap({current.key_id: current}, dek.key_id, dek.wrapped)  # opens with the new key alone


def test_without_the_key_file_nothing_opens(app, tmp_path):
    _import(app, write_bank(tmp_path / "bank", [question(1)]))
    keyring = app.extensions["examsvc.keys"]
    for path in keyring.key_dir.glob("bank-kek-*.key"):
        path.rename(path.with_suffix(".moved"))
    app.test_cli_runner().invoke(main, ["keys", "init"])  # a fresh, different key appears
    with app.app_context(), pytest.raises(DecryptionError, match="no key"):
        BankCipher(db_session(), keyring).open(db_session().scalars(select(QuestionVersion)).one())


def test_only_the_chosen_questions_are_decrypted(app, tmp_path, monkeypatch):
    _import(app, write_bank(tmp_path / "bank", [question(i) for i in range(1, 21)]))
    opened = []
    real = envelope.open_content
    monkeypatch.setattr(envelope, "open_content", lambda *a: opened.append(a[2]) or real(*a))
    with app.app_context():
        versions = db_session().scalars(select(QuestionVersion).limit(3)).all()
        BankCipher(db_session(), app.extensions["examsvc.keys"]).open_many(versions)
    assert sorted(opened) == sorted(v.question_id for v in versions)


def test_stats_count_active_questions(app, tmp_path):
    records = [
        question(1),
        question(2, qtype="truefalse"),
        question(3, qtype="multiple", categories=["leader"]),
    ]
    records.append(question(4, status="retired"))
    _import(app, write_bank(tmp_path / "bank", records))
    result = app.test_cli_runner().invoke(main, ["bank", "stats", "--json"])
    import json

    data = json.loads(result.output)
    assert data["active"] == 3 and data["status"] == {"active": 3, "retired": 1}
    assert data["by"]["type"] == {"multiple": 1, "single": 1, "truefalse": 1}
    assert data["by"]["category"] == {"leader": 3, "manager": 2, "team_leader": 2}


def test_a_running_worker_keeps_working_through_a_rotation(app, tmp_path):
    """Another worker started before the rotation reads the new key file by itself: no restart."""
    from examsvc import create_app

    _import(app, write_bank(tmp_path / "bank", [question(1)]))
    other_worker = create_app(app.config["EXAMSVC"])
    other_worker.extensions["examsvc.db"] = app.extensions["examsvc.db"]  # same database connection
    assert app.test_cli_runner().invoke(main, ["bank", "rotate-key", "--destroy-old"]).exit_code == 0
    with other_worker.app_context():
        version = db_session().scalars(select(QuestionVersion)).one()
        stem = BankCipher(db_session(), other_worker.extensions["examsvc.keys"]).open(version)["stem"]
    assert stem.startswith("测试题干第1号")


def test_import_looks_existing_questions_up_in_chunks(app, tmp_path, monkeypatch):
    """A bank bigger than one IN (...) list (PostgreSQL: 65,535 parameters) is looked up in chunks."""
    from examsvc.questions import service

    monkeypatch.setattr(service, "LOOKUP_CHUNK", 2)
    bank = write_bank(tmp_path / "bank", [question(i) for i in range(1, 8)])
    assert "7 new" in _import(app, bank).output
    assert "7 unchanged" in _import(app, bank).output
