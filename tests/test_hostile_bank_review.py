"""The bank's four eyes attacked as every role and as an outsider: who reaches the review, and
who can get a version drawn. `test_fixed_...`: a fault the trial found, fixed since (it failed
before the fix); `test_holds_...`: a protection that held."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.questions.models import ReviewItem

from .bank_helpers import write_bank
from .conftest import new_user_client
from .helpers import Client
from .hostile_bank_helpers import (
    FORM,
    _edit,
    _flag,
    _import,
    _item,
    _question,
    _record_of_form,
    _versions,
    imported_bank,
)


@pytest.fixture
def bank(app, world, tmp_path):  # type: ignore[no-untyped-def]
    del world  # officer1 exists: the reviewer the import names
    return imported_bank(app, tmp_path)


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
    _edit(officer, qid, stem="第三版题干（  ）。", base_version="2")  # from the waiting v2
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


def test_fixed_an_import_whose_approval_was_refused_says_nothing_about_it(app, officer, bank, tmp_path):
    """Fixed: `examsvc bank import --approved-by officer1` of the content officer1 wrote on the web
    (pending) leaves it pending, as it should, but prints "0 updated, 1 unchanged" and no word that
    the version still waits: the operator believes it was approved."""
    qid = bank["t-0001"]
    _edit(officer, qid)
    record = _record_of_form()
    result = _import(app, write_bank(tmp_path / "same", [record]), "--approved-by", "officer1")
    assert _versions(app, qid)[1].review == "pending"
    assert "wait" in result.output or "approv" in result.output, result.output


def test_fixed_a_stale_edit_silently_discards_another_officers_pending_version(
    app, officer, second_officer, bank
):
    """Fixed: officer1 and officer2 open the edit form of the same question (both filled from v1).
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


def test_fixed_the_edit_form_hides_a_pending_version(app, officer, second_officer, bank):
    """Fixed: while officer1's v2 waits, officer2's edit form is filled from v1 and says nothing of
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
    """Holds: the revise page of a dismissed item is 404; a POST is refused with the form kept, and
    adds no version."""
    qid = bank["t-0001"]
    item_id = _flag(app, qid)
    officer.post(f"/bank/review/items/{item_id}/dismiss", {"reason": "可接受"}, page="/bank/review/")
    assert officer.get(f"/bank/review/items/{item_id}/revise").status_code == 404
    answer = officer.post(
        f"/bank/review/items/{item_id}/revise", {**FORM, "reason": "改写"}, page="/bank/review/"
    )
    assert answer.status_code == 200 and len(_versions(app, qid)) == 1  # the typed form stays, refused
