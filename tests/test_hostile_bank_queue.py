"""The review queue and the emphasis markup attacked: stale forms, decided items, reasons, escaping.
`test_fixed_...`: a fault the trial found, fixed since (it failed
before the fix); `test_holds_...`: a protection that held."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session
from examsvc.questions.models import ReviewItem
from examsvc.questions.review import queue_flags

from .hostile_bank_helpers import (
    FLAGS,
    FORM,
    _edit,
    _flag,
    _item,
    _question,
    _versions,
    imported_bank,
)


@pytest.fixture
def bank(app, world, tmp_path):  # type: ignore[no-untyped-def]
    del world  # officer1 exists: the reviewer the import names
    return imported_bank(app, tmp_path)


# --- the review queue -------------------------------------------------------------------------------


def test_holds_the_revise_form_keeps_the_questions_id_and_status(app, officer, bank):
    """Holds: a revision posted with a forged `id` and `status` keeps the question's own; the new
    version waits."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    answer = officer.post(
        f"/bank/review/items/{item_id}/revise",
        {**FORM, "id": "t-0005", "status": "draft", "reason": "干扰项改为常见误读"},
    )
    assert answer.status_code == 302
    q = _question(app, qid)
    assert (q.external_id, q.status, q.current_version) == ("t-0001", "active", 1)
    assert [v.review for v in _versions(app, qid)] == ["approved", "pending"]
    assert _versions(app, bank["t-0005"])[-1].version == 1


def test_fixed_the_revise_form_is_filled_from_a_rejected_version(app, officer, second_officer, bank):
    """Fixed: the flagged (current, approved) version is v1; a later v2 was rejected as wrong.
    GET /bank/review/items/<id>/revise fills the form from v2, the rejected text, not from v1, and
    says nothing of it: the officer revises words that were never in use."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    _edit(officer, qid, stem="被驳回的错误题干（  ）。")
    v2 = _versions(app, qid)[1]
    second_officer.post(f"/bank/review/versions/{v2.id}/reject", {"reason": "答案错误"}, page="/bank/review/")
    assert _versions(app, qid)[1].review == "rejected"
    page = second_officer.get(f"/bank/review/items/{item_id}/revise").get_data(as_text=True)
    assert "被驳回的错误题干" not in page
    assert "测试题干第1号" in page


def test_fixed_a_rejected_revision_closes_the_flag_for_good(app, officer, second_officer, bank):
    """Fixed: officer1 revises a flagged question (the item is closed as 'revised' at once);
    officer2 rejects the revision. The flagged version stays in papers and no open item is left in
    the queue: the flag is gone until some later sitting raises it again."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "改写题干"})
    revision = _versions(app, qid)[1]
    second_officer.post(
        f"/bank/review/versions/{revision.id}/reject", {"reason": "改写后反而有歧义"}, page="/bank/review/"
    )
    assert _question(app, qid).current_version == 1  # the flagged version is still drawn
    with app.app_context():
        states = list(db_session().scalars(select(ReviewItem.state).where(ReviewItem.question_id == qid)))
    assert "open" in states, states


def test_fixed_flags_on_a_new_version_while_an_item_of_the_old_is_open_break_the_measurement(
    app, officer, second_officer, bank
):
    """Fixed: v1 is flagged (an open item). v2 is written on the edit page and approved; a sitting
    that drew v2 flags it too. queue_flags looks for an open item of the same *version*, finds none
    and adds a second open item for the question: the unique index uq_review_item_open refuses it
    (IntegrityError). At publication the whole measurement is rolled back and only logged; POST
    /officer/stats/sittings/<id>/measure answers 500."""
    qid = bank["t-0001"]
    _flag(app, qid)
    _edit(officer, qid)
    v2 = _versions(app, qid)[1]
    second_officer.post(f"/bank/review/versions/{v2.id}/approve", {}, page="/bank/review/")
    assert _question(app, qid).current_version == 2
    with app.app_context():
        s = db_session()
        try:
            queue_flags(s, {v2.id: [{**FLAGS[0], "sitting_id": 2}]})
            s.flush()
        except Exception as exc:  # noqa: BLE001 - the fault shown is that it raises at all
            s.rollback()
            pytest.fail(f"queue_flags raised {type(exc).__name__}: {exc}")
        open_items = list(s.scalars(select(ReviewItem).where(ReviewItem.state == "open")))
        s.rollback()
    assert len(open_items) == 1


def test_fixed_retiring_a_flagged_item_of_a_question_retired_meanwhile_is_refused(app, officer, bank):
    """Fixed: a flagged question retired on its own page meanwhile; the queue's Retire (with a
    reason) is refused ("cannot move from retired to retired") and the item stays open for ever
    unless someone 'dismisses' the flags of a question that was in fact retired."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/questions/{qid}/status", {"status": "retired"}, page=f"/bank/questions/{qid}")
    officer.post(f"/bank/review/items/{item_id}/retire", {"reason": "已停用"}, page="/bank/review/")
    assert _item(app, item_id).state == "retired"


def test_fixed_the_reason_of_a_dismissal_is_never_shown_nor_audited(app, officer, second_officer, bank):
    """Fixed: dismiss (and retire, revise) demand a reason, stored in review_item.reason, but no
    page shows a decided item or its reason, and the audit entry 'review.dismissed' holds only the
    item id: a second officer cannot see why the flags were judged fine."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    reason = "法条要点独一无二的理由"
    officer.post(f"/bank/review/items/{item_id}/dismiss", {"reason": reason}, page="/bank/review/")
    assert _item(app, item_id).state == "dismissed"
    pages = "".join(
        second_officer.get(path).get_data(as_text=True)
        for path in ("/bank/review/", f"/bank/questions/{qid}", f"/officer/stats/questions/{qid}")
    )
    with app.app_context():
        details = [
            e.detail
            for e in db_session().scalars(select(AuditEvent).where(AuditEvent.action == "review.dismissed"))
        ]
    assert reason in pages or any(reason in json.loads(d).values() for d in details)


def test_fixed_a_revision_posted_after_another_officer_decided_the_item_is_a_bare_404(
    app, officer, second_officer, bank
):
    """Fixed: officer1 opens the revise form; officer2 dismisses the item; officer1 submits the
    revision: the answer is a bare 404 page, officer1's typed revision is lost and nothing says
    that officer2 decided the item meanwhile."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    token = officer.token(f"/bank/review/items/{item_id}/revise")
    second_officer.post(f"/bank/review/items/{item_id}/dismiss", {"reason": "可接受"}, page="/bank/review/")
    answer = officer.raw.post(
        f"/bank/review/items/{item_id}/revise", data={**FORM, "reason": "改写", "csrf_token": token}
    )
    assert answer.status_code != 404
    assert "officer2" in answer.get_data(as_text=True) or answer.status_code in {200, 302, 409}


@pytest.mark.parametrize("decision", ["dismiss", "retire"])
def test_holds_reasons_are_bounded(app, officer, bank, decision):
    """Holds: a reason of 301 characters or only blanks is refused; a NUL is refused with 400;
    300 characters are accepted."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    path = f"/bank/review/items/{item_id}/{decision}"
    officer.post(path, {"reason": "长" * 301}, page="/bank/review/")
    officer.post(path, {"reason": " \t\n "}, page="/bank/review/")
    assert officer.post(path, {"reason": "a\x00b"}, page="/bank/review/").status_code == 400
    assert _item(app, item_id).state == "open"
    officer.post(path, {"reason": "长" * 300}, page="/bank/review/")
    assert _item(app, item_id).reason == "长" * 300


def test_holds_a_rejection_reason_is_bounded(app, officer, second_officer, bank):
    """Holds: a rejection needs 1 to 300 characters; a 2 MB reason is refused without a 500."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    pending = _versions(app, qid)[1]
    path = f"/bank/review/versions/{pending.id}/reject"
    for reason in ("", "x" * 301, "理" * (2 * 1024 * 1024)):
        assert second_officer.post(path, {"reason": reason}, page="/bank/review/").status_code in {302, 413}
    assert _versions(app, qid)[1].review == "pending"


def test_holds_a_revision_reason_past_300_characters_is_refused(app, officer, bank):
    """Holds: the revision is refused, the item stays open and no version is added."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    answer = officer.post(f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "r" * 301})
    assert answer.status_code == 200
    assert _item(app, item_id).state == "open" and len(_versions(app, qid)) == 1


# --- emphasis ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stem",
    [
        "下列做法**<script>alert(1)</script>**正确的是（  ）。",
        "<img src=x onerror=alert(1)>**不**正确的是（  ）。",
        "**不**<b>x</b>** **\"'&（  ）。",
    ],
)
def test_holds_emphasis_markup_escapes_everything_else(app, officer, second_officer, bank, stem):
    """Holds: a stem with `**<script>**` or raw tags, saved through the edit page, is shown escaped
    on the question page; only <strong class="neg"> is markup."""
    qid = bank["t-0001"]
    assert _edit(officer, qid, stem=stem).status_code == 302
    page = second_officer.get(f"/bank/questions/{qid}?version=2").get_data(as_text=True)
    assert "<script>" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;" in page or "&lt;img" in page or "&lt;b&gt;" in page
