"""The trainee's own record, as /lookup shows it and their 成绩单 prints it.

Only what the trainee could already prove from their papers: their classes, their sittings (time,
venue, seat and ticket), results once the bureau published them, where they stand in the one-retake
rule, their certificates and the retraining hours these credit. Never a full ID number, a phone
number, an unpublished result, an answer or anyone else's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..certificates.hours import YearLine, annual_requirement
from ..certificates.service import trainee_record
from ..certificates.verification import verdict_of_certificate
from ..classes.models import Enrollment, TrainingClass
from ..core.db import BEIJING
from ..exams.attempts import state
from ..exams.models import AdmissionTicket, Attempt, Sitting
from ..exams.roster import placement, published_facts, refusal
from ..trainees.models import Trainee

KINDS = ("first", "retake")
UNOFFICIAL = ("draft", "returned")  # rosters the bureau has not been sent: not the trainee's yet


def outcome(attempt: Attempt) -> str:
    """passed | failed | absent, of a published attempt."""
    if attempt.presence != "present":
        return "absent"
    return "passed" if attempt.passed else "failed"


def score_text(score_tenths: int | None) -> str:
    if score_tenths is None:
        return ""
    whole, tenth = divmod(score_tenths, 10)
    return f"{whole}" if tenth == 0 else f"{whole}.{tenth}"


@dataclass(frozen=True)
class SittingLine:
    kind: str  # first | retake
    starts_at: datetime
    ends_at: datetime
    venue: str
    status: str  # the sitting's: scheduled | cancelled | locked | published
    seat: int | None
    ticket_id: int | None  # an issued ticket, downloadable while the sitting is not cancelled
    ticket_number: str | None
    outcome: str | None  # passed | failed | absent, once published
    score: str  # "" unless published and present


@dataclass(frozen=True)
class EnrolmentLine:
    class_code: str
    class_title: str
    institution: str
    start_date: date
    end_date: date
    hours_completed: int
    hours_total: int
    state: str  # awaiting_exam | passed | retake_pending | must_retrain
    sittings: list[SittingLine]
    retake_at: datetime | None  # the retake's start, when one is pending and scheduled


@dataclass(frozen=True)
class CertificateLine:
    number: str
    class_code: str
    hours: int
    credit_year: int
    issued_at: datetime
    expires_at: datetime  # also the date to renew by
    status: str  # valid | expired | revoked | suspended (verification.py)


@dataclass(frozen=True)
class Record:
    trainee_id: int
    name: str
    id_masked: str
    enrolments: list[EnrolmentLine]
    certificates: list[CertificateLine]
    hours: list[YearLine]

    def ticket_ids(self) -> set[int]:
        return {s.ticket_id for e in self.enrolments for s in e.sittings if s.ticket_id is not None}

    def published_attempts(self) -> list[tuple[EnrolmentLine, SittingLine]]:
        return [(e, s) for e in self.enrolments for s in e.sittings if s.outcome is not None]


def _sitting_line(sitting: Sitting, attempt: Attempt | None, ticket: AdmissionTicket | None) -> SittingLine:
    result = attempt if sitting.status == "published" else None  # nothing of it shows before
    seat = ticket.seat_no if ticket is not None else (result.seat_no if result else None)
    return SittingLine(
        kind=sitting.kind,
        starts_at=sitting.starts_at,
        ends_at=sitting.times.ends_at,
        venue=sitting.venue,
        status=sitting.status,
        seat=seat,
        ticket_id=ticket.id if ticket is not None and sitting.status != "cancelled" else None,
        ticket_number=ticket.number if ticket is not None else None,
        outcome=outcome(result) if result else None,
        score=score_text(result.score_tenths) if result else "",
    )


def _enrolment_line(session: Session, enrollment: Enrollment) -> EnrolmentLine:
    facts = published_facts(session, enrollment.class_id, enrollment.id).get(enrollment.id, [])
    attempts = {
        a.kind: a for a in session.scalars(select(Attempt).where(Attempt.enrollment_id == enrollment.id))
    }
    issued = session.scalars(select(AdmissionTicket).where(AdmissionTicket.enrollment_id == enrollment.id))
    tickets = {t.sitting_id: t for t in issued}
    lines, retake_at = [], None
    for kind in KINDS:
        attempt = attempts.get(kind)
        sat = session.get(Sitting, attempt.sitting_id) if attempt else None
        sitting = sat or placement(session, enrollment, kind)  # where it was sat, else is to be
        if sitting is None:
            continue
        ticket = tickets.get(sitting.id)
        # A sitting the trainee is not called to (hours not completed, passed already) is not theirs.
        if attempt is None and ticket is None and refusal(sitting, enrollment, facts) is not None:
            continue
        lines.append(_sitting_line(sitting, attempt, ticket))
        if kind == "retake" and attempt is None and sitting.status == "scheduled":
            retake_at = sitting.starts_at
    training_class = enrollment.training_class
    current = state(facts)
    return EnrolmentLine(
        class_code=training_class.code,
        class_title=training_class.title,
        institution=training_class.institution.name,
        start_date=training_class.start_date,
        end_date=training_class.end_date,
        hours_completed=enrollment.hours_completed,
        hours_total=training_class.total_hours,
        state=current,
        sittings=lines,
        retake_at=retake_at if current == "retake_pending" else None,
    )


def _hours(lines: list[YearLine], industry: str, now: datetime) -> list[YearLine]:
    """The ledger, with this year shown even before anything is credited in it."""
    year = now.astimezone(BEIJING).year
    if any(line.year == year for line in lines):
        return lines
    return [YearLine(year, 0, annual_requirement(industry)), *lines]


def record_of(session: Session, trainee: Trainee, key_dir: Path, now: datetime) -> Record:
    enrollments = session.scalars(
        select(Enrollment)
        .join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .where(Enrollment.trainee_id == trainee.id, TrainingClass.status.not_in(UNOFFICIAL))
        .order_by(TrainingClass.start_date.desc(), Enrollment.id.desc())
    ).all()
    certs, ledger = trainee_record(session, trainee)
    certificates = [
        CertificateLine(
            number=cert.number,
            class_code=cert.enrollment.training_class.code,
            hours=cert.hours,
            credit_year=cert.credit_year,
            issued_at=cert.issued_at,
            expires_at=cert.expires_at,
            status=verdict_of_certificate(cert, key_dir, now).status,
        )
        for cert in certs
    ]
    return Record(
        trainee_id=trainee.id,
        name=trainee.name,
        id_masked=trainee.id_masked,
        enrolments=[_enrolment_line(session, e) for e in enrollments],
        certificates=certificates,
        hours=_hours(ledger, trainee.industry, now),
    )
