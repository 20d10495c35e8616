"""Item statistics of a published sitting: its answer sheets put back into the paper's own order and
letters, measured (measures.py), flagged (flags.py), stored, and the flagged questions queued for
review. Run when results are published or corrected, and on an officer's demand. Flushes, never
commits.

Only sittings marked from answer sheets are measured: a sitting marked by hand has totals, not
answers per question. The paper is opened for the server's own use (as grading does), after its
release only; nothing of it is shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.config import Config
from ..core.db import utcnow
from ..exams.grading import Marking, item_points, paper_seat_variant, parse_sheet, seat_key
from ..exams.models import Attempt, Sitting
from ..exams.service import paper_of
from ..papers.composition import seed_of
from ..papers.models import Paper
from ..papers.service import open_paper_for_grading, spec_from_json
from ..questions.cipher import BankCipher
from ..questions.models import ItemStat
from ..questions.review import queue_flags
from .flags import Thresholds, item_flags
from .measures import ItemKey, ItemMeasures, PaperMeasures, Response, item_measures, paper_measures, pool
from .models import PaperStat


def thresholds_of(config: Config) -> Thresholds:
    return Thresholds(
        easy_above=config.item_flag_easy_percent / 100,
        hard_below=config.item_flag_hard_percent / 100,
        discrimination_below=config.item_flag_discrimination_hundredths / 100,
        rare_option_below=config.item_flag_rare_option_percent / 100,
        min_sample=config.item_stats_min_sample,
    )


def item_keys(questions: list[dict]) -> list[ItemKey]:  # type: ignore[type-arg]
    """Each question of an opened paper as the measures read it: canonical options, key, points."""
    keys = []
    for q in questions:
        if q["type"] == "truefalse":
            keys.append(ItemKey(("true", "false"), frozenset({str(q["answer"])}), q["points_tenths"] / 10))
        else:
            keys.append(
                ItemKey(tuple(sorted(q["options"])), frozenset(str(q["answer"])), q["points_tenths"] / 10)
            )
    return keys


def responses(payload: dict, seed: int, seat: int, typed: str, marking: Marking) -> list[Response] | None:  # type: ignore[type-arg]
    """One typed sheet as responses in the paper's own order and letters; None if it does not parse
    (an officer's correction may have left a total only)."""
    variant = paper_seat_variant(payload, seed, seat)
    key = seat_key(payload["questions"], variant)
    answers, problems = parse_sheet(typed, key)
    if problems:
        return None
    out: list[Response | None] = [None] * len(variant.questions)
    for printed, answer, item in zip(variant.questions, answers, key.items, strict=True):
        if answer is None:
            chosen: frozenset[str] = frozenset()
        elif isinstance(answer, bool):
            chosen = frozenset({"true" if answer else "false"})
        else:
            chosen = frozenset(variant.to_canonical(printed.number, "".join(answer)))
        out[printed.index] = Response(item_points(answer, item, marking) / 10, chosen)
    return out  # type: ignore[return-value]


@dataclass(frozen=True)
class Measured:
    paper: PaperMeasures
    items: int
    flagged: int
    queued: int


def measure_sitting(
    session: Session, cipher: BankCipher, sitting: Sitting, config: Config, now: datetime
) -> Measured | None:
    """Measures the sitting's sheets and stores the figures, replacing any earlier ones; None when
    there is nothing to measure (marked by hand, or no sheet)."""
    paper = paper_of(session, sitting)
    if sitting.marking != "sheet" or paper is None:
        return None
    payload = open_paper_for_grading(cipher, paper, now)
    spec = spec_from_json(paper.spec)
    seed, marking = seed_of(payload, paper.seed), Marking(spec.partial_credit_percent)
    matrix = []
    for attempt in session.scalars(
        select(Attempt)
        .where(Attempt.sitting_id == sitting.id, Attempt.presence == "present", Attempt.answers.is_not(None))
        .order_by(Attempt.seat_no)
    ):
        row = responses(payload, seed, attempt.seat_no, attempt.answers, marking)  # type: ignore[arg-type]
        if row is not None:
            matrix.append(row)
    if not matrix:
        return None
    keys = item_keys(payload["questions"])
    return _store(
        session, sitting, paper, payload["questions"], keys, matrix, spec.pass_mark, thresholds_of(config)
    )


def _store(session, sitting, paper, questions, keys, matrix, pass_mark, thresholds) -> Measured:  # type: ignore[no-untyped-def]
    items = item_measures(matrix, keys)
    whole = paper_measures(matrix, keys, pass_mark)
    session.execute(delete(ItemStat).where(ItemStat.sitting_id == sitting.id))
    flagged: dict[int, list[dict[str, object]]] = {}
    for question, key, measures in zip(questions, keys, items, strict=True):
        flags = [{**f.as_json(), "sitting_id": sitting.id} for f in item_flags(measures, key, thresholds)]
        session.add(
            ItemStat(
                question_id=question["question_id"],
                version_id=question["version_id"],
                sitting_id=sitting.id,
                sitting_starts_at=sitting.starts_at,
                n=measures.n,
                facility=measures.facility,
                discrimination=measures.point_biserial,
                measures=measures.as_json(),
                flags=json.dumps(flags, ensure_ascii=False),
            )
        )
        if flags:
            flagged[question["version_id"]] = flags
    stat = session.scalar(select(PaperStat).where(PaperStat.sitting_id == sitting.id))
    stat = stat or PaperStat(sitting_id=sitting.id)
    stat.paper_id, stat.n, stat.measures = paper.id, whole.n, whole.as_json()
    stat.flagged_items, stat.computed_at = len(flagged), utcnow()
    session.add(stat)
    session.flush()
    queued = queue_flags(session, _pooled_flags(session, sitting.id, questions, keys, thresholds))
    return Measured(whole, len(items), len(flagged), queued)


def _pooled_flags(session, sitting_id, questions, keys, thresholds) -> dict[int, list[dict[str, object]]]:  # type: ignore[no-untyped-def]
    """What goes to the review queue: each version's flags over every sitting that measured it, so
    that small classes (most have fewer than 30 candidates) add up to the minimum sample."""
    history: dict[int, list[ItemMeasures]] = {}
    version_ids = [q["version_id"] for q in questions]
    for version_id, measures in session.execute(
        select(ItemStat.version_id, ItemStat.measures)
        .where(ItemStat.version_id.in_(version_ids))
        .order_by(ItemStat.sitting_starts_at, ItemStat.id)
    ):
        history.setdefault(version_id, []).append(ItemMeasures.from_json(measures))
    out = {}
    for question, key in zip(questions, keys, strict=True):
        pooled = pool(history[question["version_id"]])
        params = {"sittings": pooled.sittings, "n": pooled.n}
        flags = [
            {**f.as_json(), "sitting_id": sitting_id, **params} for f in item_flags(pooled, key, thresholds)
        ]
        if flags:
            out[question["version_id"]] = flags
    return out


def measure_and_record(
    session: Session, actor: Actor, cipher: BankCipher, sitting: Sitting, config: Config, now: datetime
) -> Measured | None:
    """measure_sitting, with its audit entry (what was measured, flagged and queued)."""
    measured = measure_sitting(session, cipher, sitting, config, now)
    if measured is not None:
        figures = {"items": measured.items, "flagged": measured.flagged, "queued": measured.queued}
        record(session, actor, "itemstats.measure", "sitting", sitting.id, figures)
    return measured


def item_rows(session: Session, sitting_id: int) -> list[tuple[ItemStat, ItemMeasures, list[dict]]]:  # type: ignore[type-arg]
    """The stored figures of a sitting's items, in the paper's order of storing."""
    rows = session.scalars(select(ItemStat).where(ItemStat.sitting_id == sitting_id).order_by(ItemStat.id))
    return [(row, ItemMeasures.from_json(row.measures), json.loads(row.flags)) for row in rows]


def paper_figures(session: Session, sitting_id: int) -> tuple[PaperStat, PaperMeasures] | None:
    stat = session.scalar(select(PaperStat).where(PaperStat.sitting_id == sitting_id))
    return None if stat is None else (stat, PaperMeasures.from_json(stat.measures))


def measured_sittings(session: Session) -> list[tuple[PaperStat, Sitting, PaperMeasures]]:
    rows = session.execute(
        select(PaperStat, Sitting)
        .join(Sitting, Sitting.id == PaperStat.sitting_id)
        .order_by(Sitting.starts_at.desc())
    )
    return [(stat, sitting, PaperMeasures.from_json(stat.measures)) for stat, sitting in rows]


def unmeasured_sittings(session: Session, every: bool = False) -> list[Sitting]:
    """Published sittings marked from sheets that have no figures yet (published before this
    existed); `every`: all published sittings marked from sheets."""
    query = (
        select(Sitting)
        .join(Paper, (Paper.class_id == Sitting.class_id) & (Paper.sitting == Sitting.kind))
        .where(Sitting.status == "published", Sitting.marking == "sheet")
        .order_by(Sitting.starts_at)
    )
    if not every:
        query = query.where(Sitting.id.not_in(select(PaperStat.sitting_id)))
    return list(session.scalars(query))
