"""Moving a bank between installations as one encrypted, integrity-protected bundle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.questions import bundle
from examsvc.questions.models import Question

from .bank_helpers import question, write_bank

PASSPHRASE = "省厅发给市局的口令-2026"


@pytest.fixture
def exported(app, world, tmp_path):  # type: ignore[no-untyped-def]
    """Three questions reviewed by officer1 (a bundle carries approved versions only), exported."""
    records = [question(1), question(2, qtype="truefalse"), question(3, qtype="multiple", status="retired")]
    runner = app.test_cli_runner()
    folder = str(write_bank(tmp_path / "bank", records))
    assert runner.invoke(main, ["bank", "import", folder, "--approved-by", "officer1"]).exit_code == 0
    (tmp_path / "pass").write_text(PASSPHRASE, encoding="utf-8")
    out = tmp_path / "bank.bundle"
    result = runner.invoke(
        main, ["bank", "export", "--encrypted", str(out), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert result.exit_code == 0, result.output
    return out


def test_bundle_is_encrypted_and_owner_only(exported):
    data = exported.read_bytes()
    assert "测试题干".encode() not in data and b"t-0001" not in data
    assert oct(exported.stat().st_mode & 0o777) == "0o600"


def test_round_trip_restores_every_question(exported):
    header, records = bundle.unpack(exported.read_bytes(), PASSPHRASE)
    assert header["count"] == 3
    by_id = {r["id"]: r for r in records}
    assert by_id["t-0001"]["stem"].startswith("测试题干第1号")
    assert by_id["t-0002"]["answer"] is True
    assert by_id["t-0003"]["status"] == "retired" and by_id["t-0003"]["answer"] == "AC"


def test_importing_a_bundle_into_an_empty_bank(exported, app, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        s = db_session()
        for q in s.scalars(select(Question)):
            q.external_id = "old-" + q.external_id  # as if this were another installation's bank
        s.commit()
    result = runner.invoke(
        main, ["bank", "import", str(exported), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output


@pytest.mark.parametrize("where", ["header", "body", "tail"])
def test_a_tampered_bundle_is_refused(exported, app, tmp_path, where):
    data = bytearray(exported.read_bytes())
    index = {"header": len(bundle.MAGIC) + 10, "body": len(data) // 2, "tail": len(data) - 1}[where]
    data[index] ^= 0x01
    exported.write_bytes(bytes(data))
    with app.app_context():
        before = db_session().scalar(select(func.count()).select_from(Question))
    result = app.test_cli_runner().invoke(
        main, ["bank", "import", str(exported), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert "altered" in result.output or "damaged" in result.output
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Question)) == before


def test_wrong_passphrase_is_refused(exported):
    with pytest.raises(bundle.BundleError, match="passphrase"):
        bundle.unpack(exported.read_bytes(), "not the passphrase")


def test_a_bundle_with_a_bad_record_imports_nothing(app, tmp_path):
    bad = question(1, answer="Z")
    path = tmp_path / "bad.bundle"
    path.write_bytes(bundle.pack([question(2), bad], PASSPHRASE, origin="test"))
    (tmp_path / "pass").write_text(PASSPHRASE, encoding="utf-8")
    result = app.test_cli_runner().invoke(
        main, ["bank", "import", str(path), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert result.exit_code == 1
    assert "record 2 t-0001 answer:" in result.output
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Question)) == 0


def test_short_passphrase_is_refused():
    with pytest.raises(bundle.BundleError, match="at least"):
        bundle.pack([], "short", origin="test")


def test_not_a_bundle():
    with pytest.raises(bundle.BundleError, match="not an examsvc"):
        bundle.unpack(b"PK\x03\x04 a zip file", PASSPHRASE)
