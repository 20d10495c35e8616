"""Shared by the hostile trials of the bank's review and item statistics (test_hostile_bank_*.py)."""

from __future__ import annotations

from sqlalchemy import select

from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.questions.models import Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags

from .bank_helpers import question, write_bank
from .test_bank_review import FORM

FLAGS = [{"code": "too_easy", "params": {"facility": 0.98, "threshold": 0.95}, "sitting_id": 1}]


def _import(app, folder, *extra):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(main, ["bank", "import", str(folder), *extra])


def imported_bank(app, tmp_path) -> dict[str, int]:  # type: ignore[no-untyped-def]
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
