"""The bank's four eyes: a version enters papers only once an officer other than its author approved
it, whatever the route (web edit, revision of a flagged item, import); the review queue's decisions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.papers.service import candidates
from examsvc.questions.models import Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags

from .bank_helpers import question, write_bank

FORM = {
    "type": "single",
    "topic": "work_safety_law",
    "industry": "general",
    "categories": ["leader", "manager", "team_leader"],
    "difficulty": "3",
    "stem": "修订后的题干：生产经营单位的主要负责人对本单位安全生产工作（  ）。",
    "option_a": "负部分责任",
    "option_b": "全面负责",
    "option_c": "负领导责任",
    "option_d": "负监督责任",
    "option_e": "",
    "answer": "B",
    "explanation": "主要负责人是第一责任人，全面负责。",
    "source": "《中华人民共和国安全生产法》第五条",
}


def _import(app, folder, *extra):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["bank", "import", str(folder), *extra])


@pytest.fixture
def bank(app, world, tmp_path):  # type: ignore[no-untyped-def]
    """Five questions, imported as reviewed by officer1 (the importer is the command line)."""
    records = [question(i) for i in range(1, 6)]
    for reviewer in ("nobody", "proctor1", "school1"):  # not an exam officer: refused, nothing imported
        result = _import(app, write_bank(tmp_path / "b", records), "--approved-by", reviewer)
        assert result.exit_code != 0 and "no active exam officer" in result.output
    with app.app_context():
        assert db_session().scalar(select(Question.id)) is None
    result = _import(app, write_bank(tmp_path / "b", records), "--approved-by", "officer1")
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {q.external_id: q.id for q in db_session().scalars(select(Question))}


def _drawable(app) -> set[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return {c.version_id for c in candidates(db_session(), "coal_mine", "manager")}


def _versions(app, question_id: int) -> list[QuestionVersion]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(QuestionVersion).where(QuestionVersion.question_id == question_id)
        return list(db_session().scalars(query.order_by(QuestionVersion.version)))


def test_an_edit_waits_for_another_officer_and_only_then_enters_papers(app, officer, second_officer, bank):
    qid = bank["t-0001"]
    assert officer.post(f"/bank/questions/{qid}/edit", FORM).status_code == 302
    first, second = _versions(app, qid)
    assert (first.review, second.review) == ("approved", "pending")
    assert first.id in _drawable(app) and second.id not in _drawable(
        app
    )  # the approved one is drawn meanwhile

    officer.post(f"/bank/review/versions/{second.id}/approve", {})  # its author: refused
    assert _versions(app, qid)[1].review == "pending"
    assert second.id not in _drawable(app)

    second_officer.post(f"/bank/review/versions/{second.id}/approve", {})
    assert _versions(app, qid)[1].review == "approved"
    assert _versions(app, qid)[1].reviewed_by == "officer2"
    assert second.id in _drawable(app) and first.id not in _drawable(app)


def test_a_rejection_needs_a_reason_and_keeps_the_approved_version(app, officer, second_officer, bank):
    qid = bank["t-0002"]
    officer.post(f"/bank/questions/{qid}/edit", FORM)
    pending = _versions(app, qid)[1]
    second_officer.post(f"/bank/review/versions/{pending.id}/reject", {"reason": ""})
    assert _versions(app, qid)[1].review == "pending"
    second_officer.post(f"/bank/review/versions/{pending.id}/reject", {"reason": "选项B与题干重复"})
    assert _versions(app, qid)[1].review == "rejected"
    assert _versions(app, qid)[0].id in _drawable(app)


def test_the_database_refuses_an_approval_by_the_author(app, bank):
    with app.app_context():
        s = db_session()
        with pytest.raises(IntegrityError):
            s.execute(update(QuestionVersion).values(reviewed_by=QuestionVersion.created_by))
            s.flush()
        s.rollback()


def test_an_import_without_a_reviewer_is_never_drawn_until_approved(app, world, second_officer, tmp_path):
    assert _import(app, write_bank(tmp_path / "new", [question(7)])).exit_code == 0
    with app.app_context():
        version = db_session().scalar(select(QuestionVersion))
    assert version.review == "pending" and _drawable(app) == set()
    second_officer.post(f"/bank/review/versions/{version.id}/approve", {})
    assert _drawable(app) == {version.id}


def _flag(app, qid: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        version = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == qid))
        flags = [{"code": "too_easy", "params": {"facility": 0.98}, "sitting_id": 1}]
        assert queue_flags(s, {version.id: flags}) == 1
        assert queue_flags(s, {version.id: flags}) == 0  # one open item a question
        s.commit()
        return s.scalar(select(ReviewItem.id).where(ReviewItem.question_id == qid))


def _item(app, item_id: int) -> ReviewItem:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().get(ReviewItem, item_id)


def test_a_flagged_question_is_revised_into_a_version_that_waits(app, officer, second_officer, bank):
    qid = bank["t-0003"]
    item_id = _flag(app, qid)
    assert "t-0003" in officer.get("/bank/review/").get_data(as_text=True)
    assert officer.post(f"/bank/review/items/{item_id}/revise", {**FORM, "reason": ""}).status_code == 200
    assert _item(app, item_id).state == "open"  # no reason, no revision
    response = officer.post(f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "干扰项改为常见误读"})
    assert response.status_code == 302
    assert _item(app, item_id).state == "open"  # until the revision is approved
    new = _versions(app, qid)[1]
    assert new.review == "pending" and new.id not in _drawable(app)
    second_officer.post(f"/bank/review/versions/{new.id}/approve", {})
    assert new.id in _drawable(app)
    assert (_item(app, item_id).state, _item(app, item_id).decided_by) == ("revised", "officer2")


def test_a_rejected_revision_leaves_the_flags_open(app, officer, second_officer, bank):
    qid = bank["t-0002"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "改写"})
    second_officer.post(
        f"/bank/review/versions/{_versions(app, qid)[1].id}/reject", {"reason": "改后仍有歧义"}
    )
    assert _item(app, item_id).state == "open"


def test_a_stale_form_never_overwrites_a_waiting_version(app, officer, second_officer, bank):
    qid = bank["t-0003"]
    stale = {**FORM, "base_version": "1"}
    assert officer.post(f"/bank/questions/{qid}/edit", {**FORM, "base_version": "1"}).status_code == 302
    assert (
        second_officer.post(f"/bank/questions/{qid}/edit", stale).status_code == 200
    )  # refused, shown again
    assert [v.review for v in _versions(app, qid)] == ["approved", "pending"]
    page = second_officer.get(f"/bank/questions/{qid}/edit").get_data(as_text=True)
    assert 'name="base_version" type="hidden" value="2"' in page  # the form starts from the waiting one


@pytest.mark.parametrize("decision", ["dismiss", "retire"])
def test_dismissing_or_retiring_needs_a_reason(app, officer, bank, decision):
    qid = bank["t-0004"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/{decision}", {"reason": " "})
    assert _item(app, item_id).state == "open"
    officer.post(f"/bank/review/items/{item_id}/{decision}", {"reason": "题目考查安全生产法核心条款，保留"})
    assert _item(app, item_id).state == ("dismissed" if decision == "dismiss" else "retired")
    with app.app_context():
        status = db_session().get(Question, qid).status
    assert status == ("active" if decision == "dismiss" else "retired")
    assert officer.post(f"/bank/review/items/{item_id}/{decision}", {"reason": "again"}).status_code == 404


def test_a_dismissed_flag_does_not_come_back_but_a_new_kind_does(app, officer, bank):
    qid = bank["t-0005"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/dismiss", {"reason": "法条要点，易题可接受"})
    with app.app_context():
        s = db_session()
        version = s.scalar(select(QuestionVersion).where(QuestionVersion.question_id == qid))
        assert queue_flags(s, {version.id: [{"code": "too_easy", "params": {}, "sitting_id": 2}]}) == 0
        new_kind = [{"code": "distractor_beats_key", "params": {"option": "C"}, "sitting_id": 2}]
        assert queue_flags(s, {version.id: new_kind}) == 1
        reopened = s.scalar(select(ReviewItem).where(ReviewItem.state == "open"))
        assert json.loads(reopened.flags)[0]["code"] == "distractor_beats_key"


def test_an_approved_edit_settles_the_item_of_the_version_it_replaces(app, officer, second_officer, bank):
    """Found by the state machine (test_bank_stateful.py): a question flagged, then edited and
    approved outside the queue, left an open item about a version no longer in use, and the next
    sitting's flags on the new version broke the one-open-item index."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/questions/{qid}/edit", FORM)
    second_officer.post(f"/bank/review/versions/{_versions(app, qid)[1].id}/approve", {})
    settled = _item(app, item_id)
    assert (settled.state, settled.decided_by) == ("revised", "officer2")
    with app.app_context():
        s = db_session()
        new = _versions(app, qid)[1]
        assert queue_flags(s, {new.id: [{"code": "too_hard", "params": {}, "sitting_id": 3}]}) == 1
        assert queue_flags(s, {new.id: [{"code": "rare_option", "params": {}, "sitting_id": 4}]}) == 0
        codes = [
            f["code"]
            for f in json.loads(s.scalar(select(ReviewItem.flags).where(ReviewItem.state == "open")))
        ]
        assert codes == ["too_hard", "rare_option"]
