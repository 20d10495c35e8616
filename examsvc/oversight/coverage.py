"""Coverage: of the people enrolled in a year's classes, how many completed the training, sat the
exam, passed and hold a valid certificate, by industry × category, county or institution; against
the bureau's targets. One aggregate query for the whole page: it must stay fast with 100,000
trainees (scripts/bench_dashboard.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..certificates.models import Certificate
from ..classes.models import Enrollment, TrainingClass
from ..exams.models import Attempt, Sitting
from ..orgs.models import Organisation
from .models import CoverageTarget

STAGES = ("enrolled", "trained", "examined", "passed", "certified")
COUNTED = ("approved", "exam_scheduled", "examined", "archived")  # drafts and returned classes are plans


@dataclass(frozen=True)
class Counts:
    key: tuple[str, ...]  # (industry, category), (county code,) or (institution name,)
    enrolled: int = 0
    trained: int = 0  # completed the class hours
    examined: int = 0  # sat a published sitting
    passed: int = 0
    certified: int = 0  # holds a certificate that is not revoked
    target: int | None = None

    def share_of_target(self, stage: str) -> int | None:
        """Whole per cent of the target reached at this stage; None without a target."""
        if not self.target:
            return None
        return min(999, getattr(self, stage) * 100 // self.target)


def coverage_of_year(session: Session, year: int) -> dict[str, list[Counts]]:
    """Counts for the approved classes that end in `year` (a person in two classes counts twice), by
    industry × category (with the targets), county and institution: one query per class, grouped here."""
    in_year = select(TrainingClass.id).where(
        TrainingClass.end_date.between(date(year, 1, 1), date(year, 12, 31)),
        TrainingClass.status.in_(COUNTED),
    )
    # Any published sitting: a candidate moved to another class's sitting counts with their own class.
    published = select(Sitting.id).where(Sitting.status == "published")
    sat = (
        select(Attempt.enrollment_id)
        .where(Attempt.sitting_id.in_(published), Attempt.presence == "present")
        .distinct()
        .subquery()
    )
    passed = (
        select(Attempt.enrollment_id)
        .where(Attempt.sitting_id.in_(published), Attempt.passed.is_(True))
        .distinct()
        .subquery()
    )
    certified = (
        select(Certificate.enrollment_id)
        .where(Certificate.class_id.in_(in_year), Certificate.revoked_at.is_(None))
        .distinct()
        .subquery()
    )
    per_class = (
        select(
            TrainingClass.industry,
            TrainingClass.category,
            TrainingClass.venue_county_code,
            TrainingClass.institution_id,
            func.count(Enrollment.id),
            func.sum(case((Enrollment.hours_completed >= TrainingClass.total_hours, 1), else_=0)),
            func.count(sat.c.enrollment_id),
            func.count(passed.c.enrollment_id),
            func.count(certified.c.enrollment_id),
        )
        .select_from(Enrollment)
        .join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .outerjoin(sat, sat.c.enrollment_id == Enrollment.id)
        .outerjoin(passed, passed.c.enrollment_id == Enrollment.id)
        .outerjoin(certified, certified.c.enrollment_id == Enrollment.id)
        .where(TrainingClass.id.in_(in_year))
        .group_by(
            TrainingClass.industry,
            TrainingClass.category,
            TrainingClass.venue_county_code,
            TrainingClass.institution_id,
        )
    )
    rows = [(tuple(row[:4]), tuple(int(v or 0) for v in row[4:])) for row in session.execute(per_class)]
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.kind == "institution")
        ).all()
    )
    return {
        "industry": with_targets(grouped(rows, lambda k: (k[0], k[1])), targets(session, year)),
        "county": grouped(rows, lambda k: (k[2],)),
        "institution": grouped(rows, lambda k: (names.get(k[3], str(k[3])),)),
    }


def grouped(rows, key_of) -> list[Counts]:  # type: ignore[no-untyped-def]
    """Sums of the stage counts per key (pure); sorted by key."""
    sums: dict[tuple[str, ...], list[int]] = {}
    for key, counts in rows:
        into = sums.setdefault(key_of(key), [0] * len(STAGES))
        for i, n in enumerate(counts):
            into[i] += n
    return [Counts(tuple(str(k) for k in key), *values) for key, values in sorted(sums.items())]


def targets(session: Session, year: int) -> dict[tuple[str, str], int]:
    found = session.execute(
        select(CoverageTarget.industry, CoverageTarget.category, CoverageTarget.people).where(
            CoverageTarget.year == year
        )
    )
    return {(industry, category): people for industry, category, people in found}


def with_targets(rows: list[Counts], goals: dict[tuple[str, str], int]) -> list[Counts]:
    """Every industry × category that has counts or a target, with its target (pure)."""
    by_key = {row.key: row for row in rows}
    out = []
    for key in sorted(set(by_key) | set(goals)):
        out.append(replace(by_key.get(key, Counts(key)), target=goals.get(key)))
    return out


def total(rows: list[Counts]) -> Counts:
    """The sum of the rows, and of the targets that are set (pure)."""
    goals = [r.target for r in rows if r.target is not None]
    return Counts(
        ("total",),
        *(sum(getattr(r, stage) for r in rows) for stage in STAGES),
        target=sum(goals) if goals else None,
    )
