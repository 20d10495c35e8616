"""The question bank: import, edit, retire, view. Functions flush and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.db import utcnow
from ..core.msgid import N_, RuleError
from .cipher import BankCipher
from .models import Question, QuestionVersion, ReviewItem
from .rules import QuestionRecord, record_from


class QuestionError(RuleError):
    """A change to the bank is refused."""


def current_version(session: Session, question: Question) -> QuestionVersion:
    return session.scalars(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.version == question.current_version
        )
    ).one()


def current_versions_query():  # type: ignore[no-untyped-def]
    """Questions joined to their current version: what selection and listing read (metadata only)."""
    return select(Question, QuestionVersion).join(
        QuestionVersion,
        and_(QuestionVersion.question_id == Question.id, QuestionVersion.version == Question.current_version),
    )


def _add_version(
    session: Session,
    cipher: BankCipher,
    question: Question,
    version: int,
    rec: QuestionRecord,
    author: str,
    approved_by: str | None = None,
) -> QuestionVersion:
    """A new version: pending until a second officer approves it, unless `approved_by` names the
    officer who already reviewed it (an import from reviewed files). Earlier pending versions of
    the question are superseded: only the newest waits for approval."""
    if version > 1:  # a new question has nothing to supersede (an import adds thousands at once)
        for older in session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id, QuestionVersion.review == "pending"
            )
        ):
            older.review, older.review_note = "rejected", f"superseded by version {version}"
    row = QuestionVersion(
        question_id=question.id,
        version=version,
        type=rec.type,
        industry=rec.industry,
        topic=rec.topic,
        difficulty=rec.difficulty,
        for_leader="leader" in rec.categories,
        for_manager="manager" in rec.categories,
        for_team_leader="team_leader" in rec.categories,
        content=cipher.seal(rec.content(), question.id, version),
        created_by=author,
    )
    session.add(row)
    if approved_by is not None:
        if approved_by == author:
            raise QuestionError(N_("Nobody approves a version they wrote: another officer approves it."))
        row.review, row.reviewed_by, row.reviewed_at = "approved", approved_by, utcnow()
        put_in_use(session, question, version, approved_by)
    elif version == 1:
        question.current_version = 1  # a new question: listed, but never drawn until approved
    question.updated_at = utcnow()
    return row


def put_in_use(session: Session, question: Question, version: int, approved_by: str) -> None:
    """An approved version becomes the one papers draw; a review item still open about an older
    version is settled by it (its flags were about a version no longer in use)."""
    question.current_version, question.updated_at = version, utcnow()
    for item in session.scalars(
        select(ReviewItem).where(ReviewItem.question_id == question.id, ReviewItem.state == "open")
    ):
        item.state, item.decided_by, item.decided_at = "revised", approved_by, utcnow()
        item.reason = f"version {version} approved"


def latest_versions(session: Session, question_ids: Iterable[int]) -> dict[int, QuestionVersion]:
    """Each question's newest version, pending or not (what a new edit or import compares with);
    one row a question is read, not its whole history."""
    ids = list(question_ids)
    newest = (
        select(QuestionVersion.question_id, func.max(QuestionVersion.version).label("version"))
        .where(QuestionVersion.question_id.in_(ids))
        .group_by(QuestionVersion.question_id)
        .subquery()
    )
    rows = session.scalars(
        select(QuestionVersion).join(
            newest,
            and_(
                QuestionVersion.question_id == newest.c.question_id,
                QuestionVersion.version == newest.c.version,
            ),
        )
    )
    return {version.question_id: version for version in rows}


def working_version(session: Session, question: Question) -> QuestionVersion:
    """What an edit or a revision starts from: the version waiting for approval if there is one
    (so nobody overwrites it unseen), else the one in use. Never a rejected one."""
    pending = session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.review == "pending"
        )
    )
    return pending or current_version(session, question)


def _same(version: QuestionVersion, content: dict[str, object], rec: QuestionRecord) -> bool:
    return version.selection_metadata() == rec.selection_metadata() and content == rec.content()


LOOKUP_CHUNK = 5000  # ids per IN (...) list: PostgreSQL takes at most 65,535 parameters a statement


def _chunks(values: list) -> Iterable[list]:  # type: ignore[type-arg]
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    waiting: int = 0  # versions of these records left waiting for an officer's approval


def import_records(
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    records: Iterable[QuestionRecord],
    origin: str,
    approved_by: str | None = None,
) -> ImportReport:
    """Adds new questions and a new version of each changed one; an unchanged record changes nothing,
    so importing the same files twice is harmless. The new versions wait for an officer's approval,
    unless `approved_by` names the officer who reviewed the files (not the importer)."""
    records = list(records)
    existing: dict[str, Question] = {}
    for chunk in _chunks([r.external_id for r in records]):
        for question in session.scalars(select(Question).where(Question.external_id.in_(chunk))):
            existing[question.external_id] = question
    currents = latest_versions(session, [q.id for q in existing.values()])
    contents = cipher.open_many(currents.values())
    new = [
        (Question(external_id=r.external_id, status=r.status, current_version=1), r)
        for r in records
        if r.external_id not in existing
    ]
    session.add_all(q for q, _ in new)
    session.flush()  # one batch of inserts; the ids go into each ciphertext's associated data
    for question, rec in new:
        _add_version(session, cipher, question, 1, rec, actor.label, approved_by)
    created, updated = len(new), 0
    for rec in records:
        question = existing.get(rec.external_id)
        if question is None:
            continue
        version = currents[question.id]
        changed = False
        if not _same(version, contents[version.id], rec):
            _add_version(session, cipher, question, version.version + 1, rec, actor.label, approved_by)
            changed = True
        elif approved_by is not None and version.review == "pending" and version.created_by != approved_by:
            # the same files imported again, now with their reviewer: the waiting version is approved
            version.review, version.reviewed_by, version.reviewed_at = "approved", approved_by, utcnow()
            put_in_use(session, question, version.version, approved_by)
            changed = True
        if question.status != rec.status:
            question.status = rec.status
            changed = True
        updated += changed
    session.flush()
    ids = [q.id for q in existing.values()] + [q.id for q, _ in new]
    waiting = sum(
        session.scalar(
            select(func.count()).where(
                QuestionVersion.review == "pending", QuestionVersion.question_id.in_(chunk)
            )
        )
        or 0
        for chunk in _chunks(ids)
    )
    report = ImportReport(created, updated, len(records) - created - updated, waiting)
    record(
        session, actor, "bank.import", "bank", origin[:64], {**report.__dict__, "approved_by": approved_by}
    )
    return report


def edit_question(
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    question: Question,
    rec: QuestionRecord,
    base_version: int | None = None,
) -> QuestionVersion:
    """Saving an edit makes a new version, pending until another officer approves it (review.py);
    papers keep the version they drew, and new papers draw the approved one meanwhile. An edit made
    on `base_version` is refused when a newer version was saved since (a stale form), so a version
    waiting for approval is never replaced by someone who has not seen it."""
    if rec.external_id != question.external_id:
        raise QuestionError(N_("The id of a question cannot change."), field="id")
    before = latest_versions(session, [question.id])[question.id].version
    # A form that does not say what it started from started from the version in use.
    if (question.current_version if base_version is None else base_version) != before:
        raise QuestionError(
            N_("Version %(version)d of this question was saved meanwhile: open it again and start from it."),
            version=before,
        )
    version = _add_version(session, cipher, question, before + 1, rec, actor.label)
    session.flush()
    record(
        session,
        actor,
        "question.edit",
        "question",
        question.id,
        {"from_version": question.current_version, "to_version": before + 1},
    )
    return version


_TRANSITIONS = {"active": {"draft", "retired"}, "retired": {"draft", "active"}, "draft": set()}


def set_status(session: Session, actor: Actor, question: Question, status: str) -> Question:
    if question.status not in _TRANSITIONS.get(status, set()):
        raise QuestionError(
            N_("This question cannot move from %(old)s to %(new)s."), old=question.status, new=status
        )
    old, question.status, question.updated_at = question.status, status, utcnow()
    session.flush()
    record(session, actor, f"question.{status}", "question", question.id, {"from": old})
    return question


def view_question(
    session: Session, actor: Actor, cipher: BankCipher, question: Question, version_no: int | None = None
) -> tuple[QuestionVersion, dict[str, object]]:
    """The plaintext of one version; every call leaves an audit entry (who read which question)."""
    version = session.scalars(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.version == (version_no or question.current_version),
        )
    ).one_or_none()
    if version is None:
        raise QuestionError(N_("No such version."))
    content = cipher.open(version)
    record(session, actor, "question.view", "question", question.id, {"version": version.version})
    return version, content


def export_records(session: Session, cipher: BankCipher) -> list[dict[str, object]]:
    """Every question's current version in the authoring format (for the encrypted bundle); a new
    question no officer approved yet is left out (it is not part of the bank papers draw from)."""
    query = current_versions_query().where(QuestionVersion.review == "approved")
    rows = session.execute(query.order_by(Question.external_id)).all()
    contents = cipher.open_many(v for _, v in rows)
    return [record_from(v.selection_metadata(), contents[v.id], q.external_id, q.status) for q, v in rows]
