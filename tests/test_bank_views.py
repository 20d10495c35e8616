"""Officers browse, read (audited), edit and retire questions; nobody else reaches the bank."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.questions.models import Question

from .bank_helpers import question, write_bank
from .helpers import Client


@pytest.fixture
def bank(app, tmp_path):  # type: ignore[no-untyped-def]
    records = [
        question(1),
        question(2, qtype="truefalse"),
        question(3, qtype="multiple", categories=["team_leader"]),
    ]
    records.append(question(4, topic="coal_mine", industry="coal_mine"))
    result = app.test_cli_runner().invoke(main, ["bank", "import", str(write_bank(tmp_path / "b", records))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {q.external_id: q.id for q in db_session().scalars(select(Question))}


def _events(app, action):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_list_shows_metadata_only_and_filters(officer, bank):
    page = officer.get("/bank/").get_data(as_text=True)
    assert "t-0001" in page and "t-0004" in page
    assert "测试题干" not in page  # stems only on the audited question page
    filtered = officer.get("/bank/?industry=coal_mine").get_data(as_text=True)
    assert "t-0004" in filtered and "t-0001" not in filtered
    by_category = officer.get("/bank/?category=team_leader&type=multiple").get_data(as_text=True)
    assert "t-0003" in by_category and "t-0002" not in by_category
    assert officer.get("/bank/?type=<script>").status_code == 200  # a forged filter shows everything


def test_reading_a_question_is_audited(app, officer, bank):
    page = officer.get(f"/bank/questions/{bank['t-0001']}").get_data(as_text=True)
    assert "测试题干第1号" in page and "选项B1" in page
    events = _events(app, "question.view")
    assert [(e.object_id, e.actor_label) for e in events] == [(str(bank["t-0001"]), "officer1")]
    assert "测试" not in events[0].detail


def test_edit_makes_a_new_version_and_keeps_the_old(app, officer, bank):
    qid = bank["t-0001"]
    form = {
        "type": "single",
        "topic": "work_safety_law",
        "industry": "general",
        "categories": ["leader", "manager"],
        "difficulty": "4",
        "stem": "修改后的题干",
        "option_a": "甲",
        "option_b": "乙",
        "option_c": "丙",
        "option_d": "丁",
        "option_e": "",
        "answer": "c",
        "explanation": "新解析",
        "source": "《安全生产法》第二十一条",
    }
    response = officer.post(f"/bank/questions/{qid}/edit", form)
    assert response.status_code == 302
    assert "修改后的题干" in officer.get(f"/bank/questions/{qid}?version=2").get_data(as_text=True)
    assert "测试题干第1号" in officer.get(f"/bank/questions/{qid}?version=1").get_data(as_text=True)
    assert 'id="pending"' in officer.get(f"/bank/questions/{qid}").get_data(as_text=True)  # v2 waits
    assert [e.detail for e in _events(app, "question.edit")] == ['{"from_version":1,"to_version":2}']


def test_edit_errors_are_shown_on_the_field_and_nothing_is_saved(app, officer, bank):
    qid = bank["t-0001"]
    form = {
        "type": "single",
        "topic": "work_safety_law",
        "industry": "general",
        "categories": [],
        "difficulty": "2",
        "stem": "x",
        "option_a": "甲",
        "option_b": "甲",
        "option_c": "丙",
        "option_d": "丁",
        "answer": "AB",
        "explanation": "e",
        "source": "s",
    }
    response = officer.post(f"/bank/questions/{qid}/edit", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="error"') >= 3  # categories, options, answer
    assert _events(app, "question.edit") == []


def test_retire_and_activate(app, officer, bank):
    qid = bank["t-0002"]
    assert (
        officer.post(
            f"/bank/questions/{qid}/status", {"status": "retired"}, page=f"/bank/questions/{qid}"
        ).status_code
        == 302
    )
    with app.app_context():
        assert db_session().get(Question, qid).status == "retired"
    officer.post(f"/bank/questions/{qid}/status", {"status": "active"}, page=f"/bank/questions/{qid}")
    with app.app_context():
        assert db_session().get(Question, qid).status == "active"
    assert [e.action for e in _events(app, "question.retired")] == ["question.retired"]


def test_stats_page(officer, bank):
    page = officer.get("/bank/stats").get_data(as_text=True)
    assert "<meter" in page and "煤矿" in page


@pytest.mark.parametrize("username", ["school1", "proctor1", "admin1"])
def test_nobody_but_officers_reaches_the_bank(app, world, bank, username):
    client = Client(app)
    world.login(client, username)
    qid = bank["t-0001"]
    for path in ("/bank/", "/bank/stats", f"/bank/questions/{qid}", f"/bank/questions/{qid}/edit"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "测试题干" not in response.get_data(as_text=True)
    token = client.token(client.get("/").location)
    assert (
        client.raw.post(
            f"/bank/questions/{qid}/status", data={"status": "retired", "csrf_token": token}
        ).status_code
        == 403
    )
    assert _events(app, "question.view") == []


def test_missing_question_is_404(officer, bank):
    assert officer.get("/bank/questions/999999").status_code == 404
    assert officer.get(f"/bank/questions/{bank['t-0001']}?version=9").status_code == 404
