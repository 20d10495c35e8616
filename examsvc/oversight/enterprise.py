"""The bureau's view of one enterprise's staff (一企一册): every trainee the enterprise employs, with
their latest certificate's standing and this year's retraining hours, as an employer sees its own
(certificates/standing.py). A bounded number of queries, whatever the staff's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..certificates.models import Certificate
from ..certificates.standing import Standing, credits_this_year, hours_this_year, standing_of
from ..certificates.verification import NUMBERS_PER_QUERY, verdict_of_certificate
from ..orgs.models import Organisation
from ..trainees.models import Trainee


@dataclass(frozen=True)
class StaffLine:
    trainee_id: int
    standing: Standing


def latest_certificates(session: Session, trainee_ids: list[int]) -> dict[int, Certificate]:
    """Each trainee's newest certificate, whatever its status: one query per NUMBERS_PER_QUERY."""
    latest: dict[int, Certificate] = {}
    for start in range(0, len(trainee_ids), NUMBERS_PER_QUERY):
        chunk = trainee_ids[start : start + NUMBERS_PER_QUERY]
        query = select(Certificate).where(Certificate.trainee_id.in_(chunk)).order_by(Certificate.issued_at)
        for cert in session.scalars(query):
            latest[cert.trainee_id] = cert  # ordered oldest first: the last one stays
    return latest


def staff_standing(
    session: Session, org: Organisation, key_dir: Path, now: datetime, expiring_days: int
) -> list[StaffLine]:
    people = session.scalars(
        select(Trainee).where(Trainee.employer_id == org.id).order_by(Trainee.name, Trainee.id)
    ).all()
    ids = [t.id for t in people]
    latest = latest_certificates(session, ids)
    credits = credits_this_year(session, ids, now)
    lines = []
    for row, t in enumerate(people, start=1):
        cert = latest.get(t.id)
        if cert is None:  # on the enterprise's staff, never certified (yet): their hours still count
            credited, required = hours_this_year(credits[t.id], t.industry)
            found = Standing(row, t.name, "", "no_certificate", None, credited, required)
        else:
            # The same verdict a verifier gets for this certificate (its token checked too).
            status = verdict_of_certificate(cert, key_dir, now).status
            found = standing_of(
                row,
                t.name,
                cert.number,
                status,
                cert.expires_at,
                credits[t.id],
                t.industry,
                now,
                expiring_days,
            )
        lines.append(StaffLine(t.id, found))
    return lines


def staff_counts(session: Session) -> list[tuple[Organisation, int]]:
    """Each enterprise with how many trainees it employs, by name: one query."""
    rows = session.execute(
        select(Organisation, func.count(Trainee.id))
        .outerjoin(Trainee, Trainee.employer_id == Organisation.id)
        .where(Organisation.kind == "employer")
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    )
    return [(org, count) for org, count in rows]
