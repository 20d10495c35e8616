"""The bank's review: versions approved by a second officer, and the queue of flagged questions.

A version written by one officer (an edit, a revision, an import) is drawn into papers only once
another officer approved it; the database refuses an approval by its author (models.py). Items the
statistics flag wait in a queue until an officer revises, retires or dismisses them with a reason.
Functions flush and never commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.db import utcnow
from ..core.msgid import N_
from .cipher import BankCipher
from .models import Question, QuestionVersion, ReviewItem
from .rules import QuestionRecord
from .service import QuestionError, edit_question, put_in_use, set_status

REASON_MAX = 300


def _decide(session: Session, actor: Actor, version: QuestionVersion) -> Question:
    if version.review != "pending":
        raise QuestionError(N_("This version is not waiting for approval."))
    if version.created_by == actor.label:
        raise QuestionError(N_("Nobody approves a version they wrote: another officer approves it."))
    version.reviewed_by, version.reviewed_at = actor.label, utcnow()
    return session.get(Question, version.question_id)  # type: ignore[return-value]


def approve_version(session: Session, actor: Actor, version: QuestionVersion) -> None:
    """The version becomes the question's current one, drawn into papers from now on."""
    question = _decide(session, actor, version)
    version.review = "approved"
    before = question.current_version
    put_in_use(session, question, version.version, actor.label)
    session.flush()
    record(
        session,
        actor,
        "question.approve",
        "question",
        question.id,
        {"version": version.version, "replaces": before, "author": version.created_by},
    )


def reject_version(session: Session, actor: Actor, version: QuestionVersion, reason: str) -> None:
    reason = _reason(reason)
    question = _decide(session, actor, version)
    version.review, version.review_note = "rejected", reason
    session.flush()
    record(session, actor, "question.reject", "question", question.id, {"version": version.version})


def pending_versions(session: Session) -> list[tuple[Question, QuestionVersion]]:
    return list(
        session.execute(
            select(Question, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(QuestionVersion.review == "pending")
            .order_by(QuestionVersion.created_at, Question.external_id)
        )
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise QuestionError(N_("Give a reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise QuestionError(N_("At most %(n)d characters."), field="reason", n=REASON_MAX)
    return reason


# --- the queue of flagged questions ---------------------------------------------------------------


def queue_flags(session: Session, flagged: Mapping[int, list[dict[str, object]]]) -> int:
    """Puts flagged versions (version id -> flags) in the queue; returns how many items were opened.

    Only a question's current version is queued (an older one is already replaced). An open item
    gathers new flags. A version whose flags an officer dismissed comes back only with a flag of a
    kind not dismissed before, so a sitting's statistics do not nag about what was judged fine."""
    opened = 0
    for version in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(list(flagged)))):
        question = session.get(Question, version.question_id)
        if question is None or question.current_version != version.version or question.status == "retired":
            continue
        flags = flagged[version.id]
        open_item = session.scalar(
            select(ReviewItem).where(ReviewItem.question_id == question.id, ReviewItem.state == "open")
        )
        if open_item is not None:  # one open item a question: it gathers the flags of the version in use
            old = json.loads(open_item.flags) if open_item.version_id == version.id else []
            open_item.version_id = version.id
            open_item.flags = json.dumps(_merge(old, flags), ensure_ascii=False)
            continue
        items = session.scalars(
            select(ReviewItem).where(
                ReviewItem.question_id == question.id, ReviewItem.version_id == version.id
            )
        ).all()
        seen = {f["code"] for i in items if i.state == "dismissed" for f in json.loads(i.flags)}
        if items and all(f["code"] in seen for f in flags):
            continue
        session.add(ReviewItem(question_id=question.id, version_id=version.id, flags=json.dumps(flags)))
        opened += 1
    session.flush()
    return opened


def _merge(old: list[dict[str, object]], new: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    out = list(old)
    for flag in new:
        if flag not in out:
            out.append(flag)
    return out


def open_items(session: Session) -> list[tuple[ReviewItem, Question]]:
    return list(
        session.execute(
            select(ReviewItem, Question)
            .join(Question, Question.id == ReviewItem.question_id)
            .where(ReviewItem.state == "open")
            .order_by(ReviewItem.opened_at, ReviewItem.id)
        )
    )


def _ensure_open(item: ReviewItem) -> None:
    if item.state != "open":
        raise QuestionError(N_("This item has already been decided."))


def _close(session: Session, actor: Actor, item: ReviewItem, state: str, reason: str) -> None:
    _ensure_open(item)
    item.state, item.decided_by, item.decided_at, item.reason = state, actor.label, utcnow(), reason
    session.flush()
    record(
        session, actor, f"review.{state}", "question", item.question_id, {"item": item.id, "reason": reason}
    )


def revise(
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    item: ReviewItem,
    rec: QuestionRecord,
    reason: str,
    base_version: int | None = None,
) -> QuestionVersion:
    """A new version of the flagged question, waiting for a second officer. The item stays open
    until that approval settles it (service.put_in_use): a rejected revision leaves the flags where
    they were. The flagged version keeps its statistics and stays in use meanwhile."""
    reason = _reason(reason)
    _ensure_open(item)
    question = session.get(Question, item.question_id)
    version = edit_question(session, actor, cipher, question, rec, base_version)  # type: ignore[arg-type]
    record(
        session,
        actor,
        "review.revised",
        "question",
        item.question_id,
        {"item": item.id, "version": version.version, "reason": reason},
    )
    return version


def retire(session: Session, actor: Actor, item: ReviewItem, reason: str) -> None:
    reason = _reason(reason)
    question = session.get(Question, item.question_id)
    if question.status != "retired":  # type: ignore[union-attr]  # retired meanwhile: the item just closes
        set_status(session, actor, question, "retired")  # type: ignore[arg-type]
    _close(session, actor, item, "retired", reason)


def dismiss(session: Session, actor: Actor, item: ReviewItem, reason: str) -> None:
    _close(session, actor, item, "dismissed", _reason(reason))
