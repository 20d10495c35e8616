"""The bank's four eyes, the review queue and the item statistics, attacked as every role and as an
outsider. A test named `test_fault_...` shows a fault (it fails until the fault is fixed); a test
named `test_holds_...` shows a protection that holds (its docstring says so)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
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
from examsvc.questions.models import ItemStat, Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags

from .bank_helpers import question, write_bank
from .conftest import new_user_client, schedule_sitting
from .helpers import Client
from .paper_helpers import approved_class
from .tablet_helpers import close_sitting, enrollments, enter

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
FLAGS = [{"code": "too_easy", "params": {"facility": 0.98, "threshold": 0.95}, "sitting_id": 1}]


def _import(app, folder, *extra):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["bank", "import", str(folder), *extra])


@pytest.fixture
def bank(app, world, tmp_path):  # type: ignore[no-untyped-def]
    """Five questions imported as reviewed by officer1 (external id -> question id)."""
    result = _import(
        app, write_bank(tmp_path / "b", [question(i) for i in range(1, 6)]), "--approved-by", "officer1"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        return {q.external_id: q.id for q in db_session().scalars(select(Question))}


def _versions(app, question_id: int) -> list[QuestionVersion]:  # type: ignore[no-untyped-def]
    with app.app_context():
        query = select(QuestionVersion).where(QuestionVersion.question_id == question_id)
        return list(db_session().scalars(query.order_by(QuestionVersion.version)))


def _question(app, question_id: int) -> Question:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().get(Question, question_id)


def _flag(app, question_id: int) -> int:  # type: ignore[no-untyped-def]
    """Queues the question's current version as the statistics would; the review item's id."""
    with app.app_context():
        s = db_session()
        q = s.get(Question, question_id)
        version = s.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question_id, QuestionVersion.version == q.current_version
            )
        )
        assert queue_flags(s, {version.id: FLAGS}) == 1
        s.commit()
        return s.scalar(select(ReviewItem.id).where(ReviewItem.question_id == question_id))


def _item(app, item_id: int) -> ReviewItem:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().get(ReviewItem, item_id)


def _edit(client, question_id: int, **changes):  # type: ignore[no-untyped-def]
    return client.post(f"/bank/questions/{question_id}/edit", {**FORM, **changes})


def _record_of_form() -> dict[str, object]:
    """FORM as an authoring record of t-0001 (what the edit page saves)."""
    options = {key: FORM[f"option_{key.lower()}"] for key in "ABCD"}
    kept = ("type", "industry", "categories", "stem", "answer", "explanation", "source")
    return {"id": "t-0001", "difficulty": 3, "options": options, **{k: FORM[k] for k in kept}}


# --- who reaches the new pages ---------------------------------------------------------------------

NEW_GETS = [
    "/bank/review/",
    "/bank/review/items/1/revise",
    "/officer/stats/",
    "/officer/stats/sittings/1",
    "/officer/stats/sittings/1.csv",
    "/officer/stats/sittings/1.xlsx",
    "/officer/stats/questions/1",
]
NEW_POSTS = [
    "/bank/review/items/1/revise",
    "/bank/review/items/1/dismiss",
    "/bank/review/items/1/retire",
    "/bank/review/versions/1/approve",
    "/bank/review/versions/1/reject",
    "/officer/stats/sittings/1/measure",
]


def test_holds_no_other_role_or_outsider_reaches_a_new_page_or_action(app, world, bank, school, tablet):
    """Holds: institutions, proctors, admins and anonymous visitors get 302 (to sign in), 401 or 403
    on every new page, export and POST, and nothing changes."""
    _flag(app, bank["t-0001"])
    admin = Client(app)
    world.login(admin, "admin1")
    for who, client in (
        ("school", school),
        ("proctor", tablet),
        ("admin", admin),
        ("anonymous", Client(app)),
    ):
        for path in NEW_GETS:
            answer = client.get(path)
            assert answer.status_code in {302, 401, 403}, (who, path, answer.status_code)
            if answer.status_code == 302:
                assert "/login" in answer.location, (who, path)
        for path in NEW_POSTS:
            form = {"reason": "x", **FORM}
            answer = client.post(path, form, page="/login" if who == "anonymous" else "/account")
            assert answer.status_code in {401, 403}, (who, path, answer.status_code)
    with app.app_context():
        assert db_session().scalar(select(ReviewItem.state)) == "open"


def test_holds_the_new_posts_need_a_csrf_token(app, officer, second_officer, bank):
    """Holds: an officer's browser tricked into posting approve/reject/dismiss/retire/revise/measure
    without the CSRF token gets 400 and nothing changes."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    pending = _versions(app, qid)[1]
    item_id = _flag(app, bank["t-0002"])
    for path in (
        f"/bank/review/versions/{pending.id}/approve",
        f"/bank/review/versions/{pending.id}/reject",
        f"/bank/review/items/{item_id}/dismiss",
        f"/bank/review/items/{item_id}/retire",
        f"/bank/review/items/{item_id}/revise",
        "/officer/stats/sittings/1/measure",
    ):
        answer = second_officer.raw.post(path, data={"reason": "跨站请求", **FORM})
        assert answer.status_code == 400, (path, answer.status_code)
    assert _versions(app, qid)[1].review == "pending"
    assert _item(app, item_id).state == "open"


@pytest.mark.parametrize(
    "path",
    [
        "/bank/review/versions/2147483648/approve",
        "/bank/review/versions/99999999999999999999/reject",
        "/bank/review/versions/999999/approve",
        "/bank/review/items/2147483648/dismiss",
        "/bank/review/items/999999/retire",
        "/bank/review/items/999999/revise",
        "/officer/stats/sittings/2147483648/measure",
        "/officer/stats/sittings/999999/measure",
    ],
)
def test_holds_unknown_or_out_of_range_ids_are_404_on_posts(app, officer, path):
    """Holds: ids past 2**31 - 1 or unknown give 404, never a 500."""
    assert officer.post(path, {"reason": "x"}, page="/bank/review/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/officer/stats/sittings/2147483648",
        "/officer/stats/sittings/999999.csv",
        "/officer/stats/sittings/2147483648.xlsx",
        "/officer/stats/questions/999999",
        "/officer/stats/questions/2147483648",
        "/bank/review/items/2147483648/revise",
        "/bank/questions/999999?version=99999999999",
    ],
)
def test_holds_unknown_or_out_of_range_ids_are_404_on_pages(app, officer, path):
    """Holds: unknown ids and ids past 2**31 - 1 on the new pages give 404."""
    assert officer.get(path).status_code == 404


# --- four eyes ---------------------------------------------------------------------------------------


def test_holds_the_author_can_neither_approve_nor_reject_their_own_version(app, officer, bank):
    """Holds: the author's approve and reject are refused, and the queue shows no buttons to them."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    pending = _versions(app, qid)[1]
    officer.post(f"/bank/review/versions/{pending.id}/approve", {}, page="/bank/review/")
    officer.post(f"/bank/review/versions/{pending.id}/reject", {"reason": "自己驳回"}, page="/bank/review/")
    assert _versions(app, qid)[1].review == "pending"
    page = officer.get("/bank/review/").get_data(as_text=True)
    assert f"/bank/review/versions/{pending.id}/approve" not in page


def test_holds_an_older_version_superseded_by_a_newer_edit_cannot_be_approved(
    app, officer, second_officer, bank
):
    """Holds: officer2 reads the queue while officer1's v2 waits; officer1 saves v3; officer2's
    click on the stale v2 approve button is refused and v3 still waits."""
    qid = bank["t-0001"]
    _edit(officer, qid, stem="第二版题干（  ）。")
    v2 = _versions(app, qid)[1]
    token = second_officer.token("/bank/review/")  # the page as it stood
    _edit(officer, qid, stem="第三版题干（  ）。")
    second_officer.raw.post(f"/bank/review/versions/{v2.id}/approve", data={"csrf_token": token})
    versions = _versions(app, qid)
    assert [v.review for v in versions] == ["approved", "rejected", "pending"]
    assert _question(app, qid).current_version == 1


def test_holds_approving_a_version_of_a_retired_question_does_not_bring_it_back(
    app, officer, second_officer, bank
):
    """Holds: a pending version of a question retired meanwhile can be approved, but the question
    stays retired and papers do not draw it."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    officer.post(f"/bank/questions/{qid}/status", {"status": "retired"}, page=f"/bank/questions/{qid}")
    pending = _versions(app, qid)[1]
    second_officer.post(f"/bank/review/versions/{pending.id}/approve", {}, page="/bank/review/")
    assert _question(app, qid).status == "retired"


def test_holds_an_import_naming_the_web_author_as_reviewer_does_not_approve(
    app, officer, second_officer, bank, tmp_path
):
    """Holds: officer1's web edit waits; the same content imported with `--approved-by officer1`
    does not approve it (the reviewer would be its author); `--approved-by officer2` does."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    record = _record_of_form()
    folder = write_bank(tmp_path / "same", [record])
    assert _import(app, folder, "--approved-by", "officer1").exit_code == 0
    assert _versions(app, qid)[1].review == "pending"
    assert _import(app, folder, "--approved-by", "officer2").exit_code == 0
    assert _versions(app, qid)[1].review == "approved"


def test_fault_an_import_whose_approval_was_refused_says_nothing_about_it(app, officer, bank, tmp_path):
    """Fault: `examsvc bank import --approved-by officer1` of the content officer1 wrote on the web
    (pending) leaves it pending, as it should, but prints "0 updated, 1 unchanged" and no word that
    the version still waits: the operator believes it was approved."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    record = _record_of_form()
    result = _import(app, write_bank(tmp_path / "same", [record]), "--approved-by", "officer1")
    assert _versions(app, qid)[1].review == "pending"
    assert "wait" in result.output or "approv" in result.output, result.output


def test_fault_a_stale_edit_silently_discards_another_officers_pending_version(
    app, officer, second_officer, bank
):
    """Fault: officer1 and officer2 open the edit form of the same question (both filled from v1).
    officer1 saves (v2 waits); officer2 saves their form, built on v1: v2 is marked 'rejected:
    superseded by version 3' and officer1's change is gone, though officer2 never saw it and no
    officer decided on it. The save should be refused as stale (or the form built on v2)."""
    qid = bank["t-0001"]
    assert officer.get(f"/bank/questions/{qid}/edit").status_code == 200
    assert second_officer.get(f"/bank/questions/{qid}/edit").status_code == 200
    assert _edit(officer, qid, answer="B", stem="甲修改的题干：主要负责人（  ）。").status_code == 302
    _edit(second_officer, qid, explanation="乙只改了解析。")
    v2 = _versions(app, qid)[1]
    assert v2.review == "pending", (v2.review, v2.review_note)


def test_fault_the_edit_form_hides_a_pending_version(app, officer, second_officer, bank):
    """Fault: while officer1's v2 waits, officer2's edit form is filled from v1 and says nothing of
    v2; saving it throws v2 away (see the test above)."""
    qid = bank["t-0001"]
    _edit(officer, qid, stem="甲修改的题干：主要负责人（  ）。")
    page = second_officer.get(f"/bank/questions/{qid}/edit").get_data(as_text=True)
    assert "甲修改的题干" in page or "v2" in page or "版本 2" in page or "version 2" in page.lower()


def test_holds_a_version_is_decided_once(app, world, officer, second_officer, bank):
    """Holds: officer2 approves officer1's version; officer3, on the same stale queue page, then
    approves or rejects it: both refused, and the approval stays officer2's."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    pending = _versions(app, qid)[1]
    third = new_user_client(app, world, "officer", "officer3", world.bureau)
    token = third.token("/bank/review/")
    second_officer.post(f"/bank/review/versions/{pending.id}/approve", {}, page="/bank/review/")
    for decision, form in (("approve", {}), ("reject", {"reason": "迟到的驳回"})):
        third.raw.post(f"/bank/review/versions/{pending.id}/{decision}", data={**form, "csrf_token": token})
    decided = _versions(app, qid)[1]
    assert (decided.review, decided.reviewed_by, decided.review_note) == ("approved", "officer2", None)


def test_holds_a_decided_item_cannot_be_revised(app, officer, bank):
    """Holds: the revise page and POST of a dismissed item are 404 and add no version."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/dismiss", {"reason": "可接受"}, page="/bank/review/")
    assert officer.get(f"/bank/review/items/{item_id}/revise").status_code == 404
    answer = officer.post(
        f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "改写"}, page="/bank/review/"
    )
    assert answer.status_code == 404 and len(_versions(app, qid)) == 1


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


def test_fault_the_revise_form_is_filled_from_a_rejected_version(app, officer, second_officer, bank):
    """Fault: the flagged (current, approved) version is v1; a later v2 was rejected as wrong.
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


def test_fault_a_rejected_revision_closes_the_flag_for_good(app, officer, second_officer, bank):
    """Fault: officer1 revises a flagged question (the item is closed as 'revised' at once);
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


def test_fault_flags_on_a_new_version_while_an_item_of_the_old_is_open_break_the_measurement(
    app, officer, second_officer, bank
):
    """Fault: v1 is flagged (an open item). v2 is written on the edit page and approved; a sitting
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


def test_fault_retiring_a_flagged_item_of_a_question_retired_meanwhile_is_refused(app, officer, bank):
    """Fault: a flagged question retired on its own page meanwhile; the queue's Retire (with a
    reason) is refused ("cannot move from retired to retired") and the item stays open for ever
    unless someone 'dismisses' the flags of a question that was in fact retired."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/questions/{qid}/status", {"status": "retired"}, page=f"/bank/questions/{qid}")
    officer.post(f"/bank/review/items/{item_id}/retire", {"reason": "已停用"}, page="/bank/review/")
    assert _item(app, item_id).state == "retired"


def test_fault_the_reason_of_a_dismissal_is_never_shown_nor_audited(app, officer, second_officer, bank):
    """Fault: dismiss (and retire, revise) demand a reason, stored in review_item.reason, but no
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


def test_fault_a_revision_posted_after_another_officer_decided_the_item_is_a_bare_404(
    app, officer, second_officer, bank
):
    """Fault: officer1 opens the revise form; officer2 dismisses the item; officer1 submits the
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


def test_fault_the_bank_export_carries_versions_nobody_approved(app, world, second_officer, tmp_path):
    """Fault: `examsvc bank export` writes every question's current version, and a new question's
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
