"""Answer sheets that share many identical wrong answers within a class: a hint of a leaked key or of
copying, listed as evidence for an officer (it proves nothing by itself).

Seats get their questions and options in different orders, so every wrong answer is first put back
into the paper's own numbering and letters; two candidates who chose the same wrong option of the
same question then match, whatever their seats printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..classes.models import Enrollment, TrainingClass
from ..core.db import utcnow
from ..exams.grading import Answer, SeatKey, paper_seat_variant, parse_sheet, seat_key
from ..exams.models import Attempt, Sitting
from ..papers.composition import seed_of
from ..papers.models import Paper
from ..papers.service import open_paper_for_grading
from ..papers.variants import SeatVariant
from ..questions.cipher import BankCipher

MIN_SHARED = 5  # identical wrong answers
MIN_SHARE = 0.8  # of the smaller of the two sets of wrong answers

Wrong = frozenset[tuple[int, str]]  # (question in the paper's order, answer in the paper's letters)


def wrong_answers(answers: list[Answer], key: SeatKey, variant: SeatVariant) -> Wrong:
    """The wrong, non-blank answers of one sheet, in the paper's own numbering and letters (pure)."""
    out = set()
    for answer, item, printed in zip(answers, key.items, variant.questions, strict=True):
        if answer is None or answer == item.correct:
            continue
        if isinstance(answer, bool):
            out.add((printed.index, "true" if answer else "false"))
        else:
            out.add((printed.index, variant.to_canonical(printed.number, "".join(sorted(answer)))))
    return frozenset(out)


@dataclass(frozen=True)
class Pair:
    seat_a: int
    seat_b: int
    shared: int
    wrong_a: int
    wrong_b: int


def suspicious_pairs(sheets: dict[int, Wrong]) -> list[Pair]:
    """Pairs of seats sharing at least MIN_SHARED identical wrong answers, which make at least
    MIN_SHARE of the smaller set (pure); the most shared first."""
    pairs = []
    for (a, wrong_a), (b, wrong_b) in combinations(sorted(sheets.items()), 2):
        shared = len(wrong_a & wrong_b)
        if shared >= MIN_SHARED and shared >= MIN_SHARE * min(len(wrong_a), len(wrong_b)):
            pairs.append(Pair(a, b, shared, len(wrong_a), len(wrong_b)))
    return sorted(pairs, key=lambda p: -p.shared)


@dataclass(frozen=True)
class SittingPairs:
    sitting: Sitting
    pairs: list[Pair]
    names: dict[int, str]  # seat -> candidate's name


EXAMINED = ("examined", "archived")  # the classes whose answer patterns are checked


def _checked_sittings(*columns):  # type: ignore[no-untyped-def]
    """Published sittings marked from answer sheets, of examined classes (by default with their papers)."""
    return (
        select(*(columns or (Sitting, Paper)))
        .join(TrainingClass, TrainingClass.id == Sitting.class_id)
        .join(Paper, (Paper.class_id == Sitting.class_id) & (Paper.sitting == Sitting.kind))
        .where(TrainingClass.status.in_(EXAMINED), Sitting.status == "published", Sitting.marking == "sheet")
    )


def _sheets(cipher: BankCipher, paper: Paper, attempts: list[Attempt]) -> dict[int, tuple[Wrong, int]]:
    """Seat -> (its wrong answers, its enrollment), for the sheets that parse (opens the paper)."""
    payload = open_paper_for_grading(cipher, paper, utcnow())
    out = {}
    for attempt in attempts:
        variant = paper_seat_variant(payload, seed_of(payload, paper.seed), attempt.seat_no)
        key = seat_key(payload["questions"], variant)
        answers, problems = parse_sheet(attempt.answers, key)
        if problems:
            continue  # stored sheets parse; an officer's correction may have left a score only
        out[attempt.seat_no] = (wrong_answers(answers, key, variant), attempt.enrollment_id)
    return out


def _attempts_of(session: Session, sitting_ids: list[int]) -> dict[int, list[Attempt]]:
    out: dict[int, list[Attempt]] = {i: [] for i in sitting_ids}
    if sitting_ids:
        for attempt in session.scalars(
            select(Attempt).where(Attempt.sitting_id.in_(sitting_ids), Attempt.answers.is_not(None))
        ):
            out[attempt.sitting_id].append(attempt)
    return out


def _check(cipher: BankCipher, sitting: Sitting, paper: Paper, attempts: list[Attempt]):  # type: ignore[no-untyped-def]
    """The sitting's sheets and suspicious pairs (opens the paper); the finding is kept on the sitting
    (a correction clears it), so that a sitting found clean is never opened for this again."""
    sheets = _sheets(cipher, paper, attempts)
    found = suspicious_pairs({seat: wrong for seat, (wrong, _) in sheets.items()})
    sitting.suspicious_pairs = len(found)
    return sheets, found


def institution_pairs(session: Session, cipher: BankCipher, org_id: int) -> dict[int, list[SittingPairs]]:
    """Class id -> the suspicious pairs of each of its sittings that has some, with names, for one
    institution. Sittings already found clean are not opened again. The caller commits."""
    checked = session.execute(
        _checked_sittings()
        .where(TrainingClass.institution_id == org_id)
        .where((Sitting.suspicious_pairs.is_(None)) | (Sitting.suspicious_pairs > 0))
        .order_by(Sitting.id)
    ).all()
    attempts = _attempts_of(session, [sitting.id for sitting, _ in checked])
    out: dict[int, list[SittingPairs]] = {}
    for sitting, paper in checked:
        sheets, found = _check(cipher, sitting, paper, attempts[sitting.id])
        if found:
            enrolled = [e for _, e in sheets.values()]
            people = session.scalars(select(Enrollment).where(Enrollment.id.in_(enrolled)))
            name_of = {e.id: e.trainee.name for e in people}
            names = {seat: name_of[e] for seat, (_, e) in sheets.items()}
            out.setdefault(sitting.class_id, []).append(SittingPairs(sitting, found, names))
    return out


@dataclass(frozen=True)
class Patterns:
    """What the answer-pattern check found in one institution's sittings."""

    checked: int  # sittings checked
    sittings: int  # of them, with suspicious pairs
    pairs: int


def institution_patterns(session: Session, cipher: BankCipher) -> dict[int, Patterns]:
    """Institution -> its suspicious pairs over all its checked sittings; no names read.

    Each sitting is checked once and its finding kept on the sitting (a correction clears it), so
    that the page opens papers only for sittings published or corrected since it was last shown
    (~10 ms each); the others are counted in the database. The caller commits what was found."""
    unchecked = session.execute(_checked_sittings().where(Sitting.suspicious_pairs.is_(None))).all()
    attempts = _attempts_of(session, [sitting.id for sitting, _ in unchecked])
    for sitting, paper in unchecked:
        _check(cipher, sitting, paper, attempts[sitting.id])
    session.flush()
    found = Sitting.suspicious_pairs
    totals = _checked_sittings(
        TrainingClass.institution_id,
        func.count(),
        func.count(case((found > 0, 1))),
        func.coalesce(func.sum(found), 0),
    ).group_by(TrainingClass.institution_id)
    return {org_id: Patterns(int(n), int(s), int(p)) for org_id, n, s, p in session.execute(totals)}
