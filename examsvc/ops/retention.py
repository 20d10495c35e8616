"""Personal data past its retention period (EXAMSVC_RETENTION_YEARS after the trainee's last class
ended, 5 by default): listed, and on confirmation anonymised. Statistics stay whole — every
enrollment, attempt and certificate row remains, only who it was is gone:
- the trainee's name, ID number (sealed, hashed and masked) and phone are replaced;
- the tokens of their certificates (which carry the name and the last four ID characters) are
  cleared; a holder who still shows one gets "expired" (it expired years before);
- their photos (the roster's and those taken at check-in) are deleted.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..certificates.models import Certificate
from ..classes.models import CandidatePhoto, Enrollment, TrainingClass
from ..core.db import add_years
from ..exams.models import Sitting
from ..scans.models import AnswerScan
from ..trainees.models import Trainee

ANONYMISED = "（已匿名）"


@dataclass(frozen=True)
class Due:
    trainees: int
    certificates: int
    last_class_ended_before: date


def _due_trainees(today: date, years: int):  # type: ignore[no-untyped-def]
    """Trainees whose last class ended before the cutoff, not anonymised yet: a select of their
    ids (first, for IN and scalars) and the day that class ended."""
    last_end = (
        select(Enrollment.trainee_id, func.max(TrainingClass.end_date).label("last"))
        .join(TrainingClass, TrainingClass.id == Enrollment.class_id)
        .group_by(Enrollment.trainee_id)
        .subquery()
    )
    return (
        select(Trainee.id, last_end.c.last)
        .join(last_end, last_end.c.trainee_id == Trainee.id)
        .where(last_end.c.last < add_years(today, -years), Trainee.name != ANONYMISED)
    )


def due(session: Session, today: date, years: int) -> Due:
    ids = _due_trainees(today, years).subquery()
    trainees = session.scalar(select(func.count()).select_from(ids))
    certs = session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.trainee_id.in_(select(ids.c.id)), Certificate.token != "")
    )
    return Due(int(trainees or 0), int(certs or 0), add_years(today, -years))


def due_people(session: Session, today: date, years: int) -> list[tuple[int, str, date]]:
    """Who due() counts, for the operator to look over: (trainee number, masked ID, last class end)."""
    found = _due_trainees(today, years).add_columns(Trainee.id_masked).order_by("last", Trainee.id)
    return [(number, masked, last) for number, last, masked in session.execute(found)]


def anonymise(session: Session, actor: Actor, today: date, years: int) -> Due:
    """Anonymises what due() lists; flushes and audits, the caller commits."""
    found = due(session, today, years)
    # Tokens first, while the due trainees are still found by name; a subquery, not a list of ids
    # (the first run after the period may cover more trainees than a statement takes parameters).
    due_ids = select(_due_trainees(today, years).subquery().c.id)
    session.execute(update(Certificate).where(Certificate.trainee_id.in_(due_ids)).values(token=""))
    their_enrollments = select(Enrollment.id).where(Enrollment.trainee_id.in_(due_ids))
    photos = session.execute(
        delete(CandidatePhoto).where(CandidatePhoto.enrollment_id.in_(their_enrollments))
    )
    # Their answer sheets' images, and the pages of their sittings that were never placed on anyone.
    their_sittings = select(Sitting.id).where(
        Sitting.class_id.in_(select(Enrollment.class_id).where(Enrollment.id.in_(their_enrollments)))
    )
    scans = session.execute(
        delete(AnswerScan).where(
            AnswerScan.enrollment_id.in_(their_enrollments)
            | (AnswerScan.enrollment_id.is_(None) & AnswerScan.sitting_id.in_(their_sittings))
        )
    )
    rows = [
        {
            "id": trainee_id,
            "name": ANONYMISED,
            "id_masked": ANONYMISED,
            # unique and unguessable: nobody can be matched to the row any more
            "id_hash": hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            "id_sealed": b"",
            "phone_sealed": None,
            "phone_masked": None,
        }
        for trainee_id in session.scalars(_due_trainees(today, years))
    ]
    if rows:
        session.execute(update(Trainee), rows)  # one executemany by primary key
    record(
        session,
        actor,
        "retention.anonymise",
        "trainee",
        "*",
        {
            "trainees": found.trainees,
            "certificates": found.certificates,
            "photos": photos.rowcount,
            "answer_sheets": scans.rowcount,
            "before": found.last_class_ended_before.isoformat(),
        },
    )
    return found
