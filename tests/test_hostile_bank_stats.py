"""Papers never draw an unapproved version, the export carries none, and the item statistics
leak nothing and never hold back results. `test_fixed_...`: a fault the trial found, fixed since (it failed
before the fix); `test_holds_...`: a protection that held."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from examsvc.classes.models import TrainingClass
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.exams.models import Sitting
from examsvc.itemstats import views as itemstats_views
from examsvc.itemstats.models import PaperStat
from examsvc.papers.models import Paper
from examsvc.papers.service import read_paper
from examsvc.questions import bundle
from examsvc.questions.cipher import BankCipher
from examsvc.questions.models import ItemStat, Question, QuestionVersion

from .bank_helpers import question, write_bank
from .conftest import schedule_sitting
from .hostile_bank_helpers import (
    _import,
    imported_bank,
)
from .paper_helpers import approved_class
from .tablet_helpers import close_sitting, enrollments, enter


@pytest.fixture
def bank(app, world, tmp_path):  # type: ignore[no-untyped-def]
    del world  # officer1 exists: the reviewer the import names
    return imported_bank(app, tmp_path)


# --- papers never draw a pending version ------------------------------------------------------------


def test_holds_no_paper_path_draws_a_pending_or_rejected_version(app, world, officer, tmp_path):
    """Holds: 120 new questions imported without a reviewer (pending) and one rejected; the first
    paper made with `examsvc papers generate` and the retake paper made on the class page draw none
    of them."""
    class_id = approved_class(app, world)
    records = [question(9000 + n, qtype=("single", "multiple", "truefalse")[n % 3]) for n in range(120)]
    assert _import(app, write_bank(tmp_path / "pending", records)).exit_code == 0
    with app.app_context():
        s = db_session()
        waiting = set(s.scalars(select(QuestionVersion.id).where(QuestionVersion.review != "approved")))
        assert len(waiting) == 120
        class_code = s.get(TrainingClass, class_id).code
    result = app.test_cli_runner().invoke(
        main, ["papers", "generate", "--class", class_code, "--sitting", "first"]
    )
    assert result.exit_code == 0, result.output
    page = f"/officer/classes/{class_id}"
    officer.post(f"{page}/papers", {"sitting": "retake"}, page=page)
    with app.app_context():
        s = db_session()
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        papers = list(s.scalars(select(Paper).where(Paper.class_id == class_id)))
        assert {p.sitting for p in papers} == {"first", "retake"}
        drawn = {q["version_id"] for p in papers for q in read_paper(cipher, p)["questions"]}
    assert drawn and not drawn & waiting


def test_fixed_the_bank_export_carries_versions_nobody_approved(app, world, second_officer, tmp_path):
    """Fixed: `examsvc bank export` writes every question's current version, and a new question's
    current version is its v1 even while it waits (or after it was rejected): the encrypted bundle,
    imported elsewhere with `--approved-by`, carries questions no second officer ever approved."""
    records = [question(1), question(2)]
    assert _import(app, write_bank(tmp_path / "b", records)).exit_code == 0  # both wait
    with app.app_context():
        v = db_session().scalar(
            select(QuestionVersion).join(Question).where(Question.external_id == "t-0002")
        )
    second_officer.post(f"/bank/review/versions/{v.id}/reject", {"reason": "答案错误"}, page="/bank/review/")
    secret = tmp_path / "pass"
    secret.write_text("a long enough passphrase for tests", encoding="utf-8")
    out = tmp_path / "bank.bundle"
    result = app.test_cli_runner().invoke(
        main, ["bank", "export", "--encrypted", str(out), "--passphrase-file", str(secret)]
    )
    assert result.exit_code == 0, result.output
    _, exported = bundle.unpack(out.read_bytes(), "a long enough passphrase for tests")
    assert [r["id"] for r in exported] == []


# --- item statistics ---------------------------------------------------------------------------------


@pytest.fixture
def config_overrides():  # type: ignore[no-untyped-def]
    return {"item_stats_min_sample": 2}


def test_holds_measure_refuses_a_sitting_not_published(app, officer, sitting):
    """Holds: POST measure on a started but unpublished sitting (its paper released) is 404 and
    stores nothing; its figures page and exports show no question."""
    answer = officer.post(f"/officer/stats/sittings/{sitting.id}/measure", {}, page="/officer/stats/")
    assert answer.status_code == 404
    with app.app_context():
        assert db_session().scalar(select(PaperStat.id)) is None
        assert db_session().scalar(select(ItemStat.id)) is None
    exported = officer.get(f"/officer/stats/sittings/{sitting.id}.csv")
    assert exported.status_code == 200
    assert len(list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))) == 1


def test_holds_measure_refuses_a_cancelled_or_sealed_sitting(app, world, officer):
    """Holds: a sitting scheduled for later (its paper sealed) and the same sitting cancelled: the
    measure POST is 404 for both and nothing is stored."""
    class_id = approved_class(app, world, title="封存测试班")
    st = schedule_sitting(app, officer, class_id, "first", started=False)
    path = f"/officer/stats/sittings/{st.id}/measure"
    assert officer.post(path, {}, page="/officer/stats/").status_code == 404
    officer.post(
        f"/officer/sittings/{st.id}/cancel",
        {f"cancel{st.id}-reason": "场地不可用"},
        page=f"/officer/classes/{class_id}",
    )
    with app.app_context():
        assert db_session().get(Sitting, st.id).status == "cancelled"
    assert officer.post(path, {}, page="/officer/stats/").status_code == 404
    with app.app_context():
        assert db_session().scalar(select(ItemStat.id)) is None


@pytest.fixture
def published(app, world, officer, tablet):  # type: ignore[no-untyped-def]
    """A class of four, every sheet right, published."""
    class_id = approved_class(app, world, title="统计攻击班", people=4)
    st = schedule_sitting(app, officer, class_id, "first")
    for seat, enrollment_id in enumerate(enrollments(app, st), start=1):
        enter(app, tablet, st, enrollment_id, seat)
    close_sitting(app, tablet, officer, st)
    return st


def test_holds_the_export_has_no_personal_data_and_no_formula(app, officer, published):
    """Holds: the CSV and XLSX of a sitting hold question ids and figures only: no candidate's
    name, no ID number, and no cell a spreadsheet would run as a formula."""
    with app.app_context():
        assert db_session().get(Sitting, published.id).status == "published"
    body = officer.get(f"/officer/stats/sittings/{published.id}.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) > 1
    for cell in (c for row in rows for c in row):
        assert not cell.startswith(("=", "+", "@")), cell
        assert not any(ch.isdigit() for ch in cell[:1]) or len(cell) < 15  # no 18-digit ID number
    assert "张" not in body and "王" not in body
    xlsx = officer.get(f"/officer/stats/sittings/{published.id}.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_holds_a_fault_in_the_statistics_never_holds_back_the_results(
    app, world, officer, tablet, monkeypatch
):
    """Holds: measuring raises at publication; the sitting is published anyway and no figures
    are stored."""

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("statistics broke")

    monkeypatch.setattr(itemstats_views, "measure_and_record", broken)
    class_id = approved_class(app, world, title="统计故障班", people=2)
    st = schedule_sitting(app, officer, class_id, "first")
    for seat, enrollment_id in enumerate(enrollments(app, st), start=1):
        enter(app, tablet, st, enrollment_id, seat)
    close_sitting(app, tablet, officer, st)
    with app.app_context():
        assert db_session().get(Sitting, st.id).status == "published"
        assert db_session().scalar(select(PaperStat.id).where(PaperStat.sitting_id == st.id)) is None
