"""Real browser: a question the statistics flagged is revised by one officer and approved by
another; until then the revision is never drawn into a paper."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.papers.service import candidates
from examsvc.questions.models import Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags

from .test_browser import ACCOUNTS, TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
ACCOUNTS.setdefault("officer2", ("officer2", "Kaowu2#2026!", "/officer", "考务管理", "Exam office"))
NEW_STEM = "修订：生产经营单位的主要负责人对本单位的安全生产工作（  ）。"


def _flag_a_question(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """A single-choice question flagged as a sitting's statistics would: (question, version, item)."""
    with app.app_context():
        s = db_session()
        question, version = s.execute(
            select(Question, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(QuestionVersion.type == "single", QuestionVersion.version == Question.current_version)
            .order_by(Question.external_id)
            .limit(1)
        ).one()
        flag = {"code": "rare_option", "params": {"option": "D", "rate": 0.004}, "sitting_id": 1}
        queue_flags(s, {version.id: [flag]})
        s.commit()
        item = s.scalar(select(ReviewItem.id).where(ReviewItem.question_id == question.id))
        return question.id, version.id, item


def _drawable(app) -> set[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        return {
            c.version_id
            for industry in ("coal_mine", "machinery", "hazardous_chemicals")
            for category in ("leader", "manager", "team_leader")
            for c in candidates(s, industry, category)
        }


def test_a_flagged_question_revised_and_approved_by_a_second_officer(live_server, browser):  # noqa: F811
    app, base = live_server.app, str(live_server)
    question_id, flagged_version, item = _flag_a_question(app)

    author = browser.new_context(viewport=TABLET).new_page()
    sign_in(author, base, "officer")
    author.click("#bank-review-link")
    row = author.locator(f"#item-{item}")
    assert "几乎无人选择" in row.inner_text()  # the flag in words, not its code
    row.get_by_role("link").filter(has_text="修订").click()
    author.fill("#stem", NEW_STEM)
    author.fill("#reason", "干扰项D改为对法条的常见误读")
    author.click("button.primary")
    author.wait_for_url("**/bank/review/")
    with app.app_context():
        pending = db_session().scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question_id, QuestionVersion.review == "pending"
            )
        )
    mine = author.locator(f"#version-{pending.id}")
    assert "另一名考务人员" in mine.inner_text() and mine.locator("button").count() == 0  # not the author
    assert pending.id not in _drawable(app) and flagged_version in _drawable(app)

    reviewer = browser.new_context(viewport=TABLET).new_page()
    sign_in(reviewer, base, "officer2")
    reviewer.click("#bank-review-link")
    reviewer.locator(f"#version-{pending.id} button.primary").click()
    reviewer.wait_for_url("**/bank/review/")
    assert reviewer.locator(f"#version-{pending.id}").count() == 0
    with app.app_context():
        s = db_session()
        approved = s.get(QuestionVersion, pending.id)
        assert (approved.review, approved.reviewed_by, approved.created_by) == (
            "approved",
            "officer2",
            "officer",
        )
        assert s.get(Question, question_id).current_version == approved.version
    assert pending.id in _drawable(app) and flagged_version not in _drawable(app)
    reviewer.goto(f"{base}/bank/questions/{question_id}")
    assert reviewer.locator(".stem").inner_text().startswith("修订：生产经营单位的主要负责人")
