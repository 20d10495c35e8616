"""Blueprints and papers. Functions flush and never commit; opening a paper checks its seal."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..classes.models import TrainingClass
from ..classes.service import enrolled_count
from ..core.config import Config
from ..core.db import BEIJING, utcnow
from ..core.msgid import N_, RuleError
from ..questions.cipher import BankCipher
from ..questions.envelope import canonical_json
from ..questions.models import ItemStat, Question, QuestionVersion
from ..questions.service import current_versions_query
from .assembly import Candidate, History, Infeasible, assemble, shortfalls
from .composition import ids_of, question_tag, tags_json
from .models import Blueprint, Paper
from .signals import paper_generated
from .spec import DEFAULT_SPEC, Spec, spec_problems


class PaperError(RuleError):
    """A paper or blueprint change is refused."""


class PaperSealed(PaperError):
    """The paper is sealed until its release time."""


def spec_from_json(text: str) -> Spec:
    return Spec(**json.loads(text))


def spec_to_json(spec: Spec) -> str:
    return json.dumps(asdict(spec), sort_keys=True)


def blueprint_for(session: Session, industry: str, category: str) -> Spec:
    """The most specific blueprint: industry × category, then the general fallbacks, then the default."""
    for key in ((industry, category), (industry, "any"), ("general", category), ("general", "any")):
        row = session.scalar(
            select(Blueprint).where(Blueprint.industry == key[0], Blueprint.category == key[1])
        )
        if row is not None:
            return spec_from_json(row.spec)
    return DEFAULT_SPEC


def measured_facility(session: Session, min_sample: int) -> dict[int, float]:
    """Version id -> its facility pooled over the published sittings that measured it (weighted by
    candidates), for versions measured on at least `min_sample` candidates."""
    rows = session.execute(
        select(ItemStat.version_id, func.sum(ItemStat.n * ItemStat.facility), func.sum(ItemStat.n))
        .group_by(ItemStat.version_id)
        .having(func.sum(ItemStat.n) >= min_sample)
    )
    return {version_id: float(total) / int(n) for version_id, total, n in rows}


def candidates(session: Session, industry: str, category: str, min_sample: int = 30) -> list[Candidate]:
    """Approved, active questions a class of this industry and category may be examined on, with
    what sittings measured of them: metadata only. A version waiting for a second officer's approval
    is never drawn (questions/review.py)."""
    flag = getattr(QuestionVersion, f"for_{category}")
    query = (
        current_versions_query()
        .with_only_columns(QuestionVersion)
        .where(Question.status == "active", flag.is_(True), QuestionVersion.review == "approved")
        .where(or_(QuestionVersion.industry == "general", QuestionVersion.industry == industry))
    )
    facility = measured_facility(session, min_sample)
    return [
        Candidate(
            v.id, v.question_id, v.type, v.topic, v.industry != "general", v.difficulty, facility.get(v.id)
        )
        for v in session.scalars(query)
    ]


def shortfall_texts(
    industry: str, category: str, spec: Spec, pool: list[Candidate], excluded=frozenset()
) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        f"{industry} / {category} / {s.what} {s.key}: need {s.need}, bank has {s.have}"
        for s in shortfalls(pool, spec, excluded)
    ]


def save_blueprint(session: Session, actor: Actor, industry: str, category: str, spec: Spec) -> Blueprint:
    problems = spec_problems(spec)
    if problems:
        raise PaperError(problems[0].message, field=problems[0].field, **dict(problems[0].params))
    if category != "any":
        missing = shortfall_texts(industry, category, spec, candidates(session, industry, category))
        if missing:
            raise PaperError(
                N_("The bank cannot fill this blueprint: %(shortfall)s"), shortfall="; ".join(missing)
            )
    row = session.scalar(
        select(Blueprint).where(Blueprint.industry == industry, Blueprint.category == category)
    )
    row = row or Blueprint(industry=industry, category=category)
    row.spec, row.updated_at, row.updated_by = spec_to_json(spec), utcnow(), actor.label
    session.add(row)
    session.flush()
    record(session, actor, "blueprint.save", "blueprint", f"{industry}/{category}", {"total": spec.total})
    return row


def _history(
    session: Session,
    training_class: TrainingClass,
    sitting: str,
    config: Config,
    known: dict[str, int],
) -> History:
    """Other papers' questions, as far as they are in `known` (tag -> id: this paper's pool)."""
    since = utcnow() - timedelta(days=config.paper_reuse_window_days)
    recent = session.execute(
        select(Paper.question_ids, TrainingClass.industry, TrainingClass.category, Paper.class_id)
        .join(TrainingClass, TrainingClass.id == Paper.class_id)
        .where(Paper.created_at >= since)
    ).all()
    used, same_kind, own_first = set(), [], frozenset()
    for ids_json, industry, category, class_id in recent:
        ids = ids_of(ids_json, known)
        if class_id == training_class.id:
            own_first = ids  # only the first paper can exist when a retake is made
            continue
        used |= ids
        if (industry, category) == (training_class.industry, training_class.category):
            same_kind.append(ids)
    return History(
        excluded=own_first if sitting == "retake" else frozenset(),
        recently_used=frozenset(used),
        recent_papers=tuple(same_kind),
        overlap_limit_percent=config.paper_overlap_limit_percent,
    )


def _aad(training_class: TrainingClass, sitting: str) -> bytes:
    return f"examsvc-paper:{training_class.id}:{sitting}".encode()


def generate_paper(
    session: Session,
    actor: Actor,
    cipher: BankCipher,
    training_class: TrainingClass,
    sitting: str,
    config: Config,
    seed: int | None = None,
) -> Paper:
    """Assemble and seal the class's paper for one sitting. It opens when its sitting says so
    (exams, through papers.signals.paper_generated): never at a time given here."""
    if training_class.status not in {"approved", "exam_scheduled", "examined"}:
        raise PaperError(N_("Papers are made for approved classes only."))
    existing = {p.sitting for p in session.scalars(select(Paper).where(Paper.class_id == training_class.id))}
    if sitting in existing:
        raise PaperError(N_("This class already has its paper for this sitting."))
    if sitting == "retake" and "first" not in existing:
        raise PaperError(N_("A retake paper needs the first paper to exist, so it can avoid its questions."))
    spec = blueprint_for(session, training_class.industry, training_class.category)
    pool = candidates(session, training_class.industry, training_class.category, config.item_stats_min_sample)
    tag_key = cipher.keyring.id_lookup
    known = {question_tag(tag_key, c.question_id): c.question_id for c in pool}
    history = _history(session, training_class, sitting, config, known)
    seed = secrets.randbits(62) if seed is None else seed
    try:
        assembly = assemble(pool, spec, history, seed)
    except Infeasible:
        missing = shortfall_texts(
            training_class.industry, training_class.category, spec, pool, history.excluded
        )
        raise PaperError(
            N_("The bank cannot fill this paper: %(shortfall)s"),
            shortfall="; ".join(missing) or "topic/type combination",
        ) from None
    versions = {
        v.id: v
        for v in session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_([c.version_id for c in assembly.chosen]))
        )
    }
    contents = cipher.open_many(versions.values())  # only the chosen questions are decrypted
    payload = {
        "class": training_class.code,
        "sitting": sitting,
        "seed": seed,  # sealed with the questions: the seats' variants are part of the secret
        "questions": [
            {
                "version_id": c.version_id,
                "question_id": c.question_id,
                "type": c.type,
                "points_tenths": spec.points_tenths[c.type],
                **contents[c.version_id],
            }
            for c in assembly.chosen
        ],
    }
    paper = Paper(
        class_id=training_class.id,
        sitting=sitting,
        seed=None,
        spec=spec_to_json(spec),
        question_ids=tags_json(tag_key, [c.question_id for c in assembly.chosen]),
        relaxed=",".join(assembly.relaxed),
        mean_difficulty_tenths=round(assembly.mean_difficulty_tenths),
        content=cipher.seal_blob(payload, _aad(training_class, sitting)),
        content_hash=hashlib.sha256(canonical_json(payload)).hexdigest(),
        seats=max(enrolled_count(session, training_class), 1),
        created_by=actor.label,
    )
    session.add(paper)
    session.flush()
    record(
        session,
        actor,
        "paper.generate",
        "paper",
        paper.id,
        {
            "class": training_class.code,
            "sitting": sitting,
            "hash": paper.content_hash,
            "relaxed": paper.relaxed,
        },
    )
    paper_generated.send(paper, session=session, actor=actor)  # the sitting, if any, sets its release
    return paper


def open_paper_for_grading(cipher: BankCipher, paper: Paper, now: datetime) -> dict:
    """The key, for the server's own grading after release (never shown; the result entry is audited)."""
    if paper is None or not paper.released(now):
        raise PaperSealed(N_("The paper is not released yet: results are entered after the exam starts."))
    return cipher.open_blob(paper.content, _aad(paper.training_class, paper.sitting))


def open_paper(
    session: Session, actor: Actor, cipher: BankCipher, paper: Paper, now: datetime, purpose: str
) -> dict:
    """The paper's questions and key, only from its release time; every opening is audited."""
    ensure_released(paper, now)
    payload = read_paper(cipher, paper)
    count_use(session, paper, payload)
    note_opening(session, actor, paper, purpose)
    return payload


def ensure_released(paper: Paper, now: datetime) -> None:
    """The seal: PaperSealed, saying until when, unless the paper's release time has come."""
    if not paper.released(now):
        if paper.release_at is None:
            raise PaperSealed(N_("This paper is sealed until its sitting is scheduled."))
        opens = paper.release_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        raise PaperSealed(N_("This paper is sealed until %(time)s (Beijing time)."), time=opens)


def read_paper(cipher: BankCipher, paper: Paper) -> dict:
    """Decrypts; writes nothing. Only for a caller that has checked the release and will note the
    opening (a background job notes it when it finishes: papers/jobs.py)."""
    return cipher.open_blob(paper.content, _aad(paper.training_class, paper.sitting))


def note_opening(session: Session, actor: Actor, paper: Paper, purpose: str) -> None:
    record(session, actor, f"paper.{purpose}", "paper", paper.id, {"class": paper.training_class.code})


def count_use(session: Session, paper: Paper, payload: dict) -> None:
    """A released paper's questions count as used in the bank, once. Counted when the paper was
    sealed, the bank's usage figures would tell an officer which questions a sealed paper holds.
    One conditional UPDATE: two openings at once count it once."""
    if paper.usage_counted:  # the callers have checked the release
        return
    claimed = session.execute(
        update(Paper).where(Paper.id == paper.id, Paper.usage_counted.is_(False)).values(usage_counted=True)
    ).rowcount
    if claimed:
        ids = sorted(q["question_id"] for q in payload["questions"])
        # Rows locked in id order first: two papers sharing questions, counted at once, would
        # otherwise lock them in whatever order each UPDATE's plan reads them, and deadlock.
        session.scalars(
            select(Question.id).where(Question.id.in_(ids)).order_by(Question.id).with_for_update()
        )
        session.execute(
            update(Question).where(Question.id.in_(ids)).values(times_used=Question.times_used + 1)
        )
    session.refresh(paper, ["usage_counted"])
