"""How each training institution's classes fare: trainees, first-sitting pass rate, retakes, classes
returned at review, revoked certificates; and the institutions whose pass rate stands far above the
others' or whose sittings hold seats sharing many identical wrong answers (hints of leaked papers,
copying or lax proctoring, for an officer to look into)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEvent
from ..certificates.models import Certificate
from ..classes.models import Enrollment, TrainingClass
from ..core.msgid import N_
from ..exams.models import Attempt, Sitting
from ..orgs.models import Organisation
from .copying import Patterns

FLAG_POINTS = 15  # percentage points above the median of the institutions
FLAG_MIN_EXAMINED = 20  # fewer first sittings than this say little


@dataclass(frozen=True)
class Quality:
    org: Organisation
    classes: int
    trainees: int
    first_sat: int  # present at a published first sitting
    first_passed: int
    retakes: int  # sat a published retake
    returned: int  # times a class was returned at review
    revoked: int  # certificates revoked

    @property
    def pass_rate(self) -> int | None:
        return self.first_passed * 100 // self.first_sat if self.first_sat else None

    @property
    def retake_rate(self) -> int | None:
        return self.retakes * 100 // self.first_sat if self.first_sat else None


@dataclass(frozen=True)
class Flag:
    org_id: int
    message: str  # msgid
    params: dict[str, object]


def _per_institution(session: Session, query) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {org_id: int(n) for org_id, n in session.execute(query)}


def quality(session: Session) -> list[Quality]:
    klass = TrainingClass
    by_org = klass.institution_id
    classes = _per_institution(session, select(by_org, func.count()).group_by(by_org))
    trainees = _per_institution(session, select(by_org, func.count()).join(Enrollment).group_by(by_org))

    def sat(kind: str, passed_only: bool = False):  # type: ignore[no-untyped-def]
        query = (
            select(by_org, func.count())
            .select_from(Attempt)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .join(klass, klass.id == Sitting.class_id)
            .where(Sitting.status == "published", Attempt.kind == kind, Attempt.presence == "present")
            .group_by(by_org)
        )
        return _per_institution(session, query.where(Attempt.passed.is_(True)) if passed_only else query)

    returned = _per_institution(
        session,
        select(by_org, func.count())
        .select_from(AuditEvent)
        .join(klass, AuditEvent.object_id == cast(klass.id, String))
        .where(AuditEvent.object_type == "class", AuditEvent.action == "class.return")
        .group_by(by_org),
    )
    revoked = _per_institution(
        session,
        select(by_org, func.count())
        .select_from(Certificate)
        .join(klass, klass.id == Certificate.class_id)
        .where(Certificate.revoked_at.is_not(None))
        .group_by(by_org),
    )
    first_sat, first_passed, retakes = sat("first"), sat("first", passed_only=True), sat("retake")
    orgs = session.scalars(
        select(Organisation).where(Organisation.kind == "institution").order_by(Organisation.name)
    ).all()
    return [
        Quality(
            o,
            classes.get(o.id, 0),
            trainees.get(o.id, 0),
            first_sat.get(o.id, 0),
            first_passed.get(o.id, 0),
            retakes.get(o.id, 0),
            returned.get(o.id, 0),
            revoked.get(o.id, 0),
        )
        for o in orgs
    ]


def flags(rows: list[Quality]) -> list[Flag]:
    """Pass rates far above the median of the institutions with enough first sittings (pure)."""
    measured = [r for r in rows if r.first_sat >= FLAG_MIN_EXAMINED]
    if len(measured) < 3:
        return []  # no median worth comparing with
    median = int(statistics.median(r.pass_rate for r in measured))  # type: ignore[type-var]
    return [
        Flag(
            r.org.id,
            N_(
                "First-sitting pass rate %(rate)d %% against a median of %(median)d %% over %(count)d "
                "institutions (%(passed)d of %(sat)d passed)"
            ),
            {
                "rate": r.pass_rate,
                "median": median,
                "count": len(measured),
                "passed": r.first_passed,
                "sat": r.first_sat,
            },
        )
        for r in measured
        if r.pass_rate >= median + FLAG_POINTS  # type: ignore[operator]
    ]


def pattern_flags(found: dict[int, Patterns]) -> list[Flag]:
    """Institutions with sittings whose seats share many identical wrong answers (pure)."""
    return [
        Flag(
            org_id,
            N_(
                "Identical wrong-answer patterns: %(pairs)d pairs of seats in %(sittings)d of "
                "%(checked)d sittings checked"
            ),
            {"pairs": p.pairs, "sittings": p.sittings, "checked": p.checked},
        )
        for org_id, p in sorted(found.items())
        if p.pairs
    ]
