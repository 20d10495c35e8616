"""One training class from registration to certificates, every step through the app's HTTP routes
(shared by test_hostile_input.py and test_secrets_in_logs.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, Sitting

from .class_helpers import new_class, roster_csv, upload
from .tablet_helpers import call, confirm, enrollments, enter


def register_class(school, rows: list[list[object]], **form: object) -> int:  # type: ignore[no-untyped-def]
    """The institution's new class and roster (CSV upload); its id."""
    class_id = new_class(school, **form)
    upload_roster(school, class_id, rows, expect=302)
    return class_id


def upload_roster(school, class_id: int, rows: list[list[object]], expect: int):  # type: ignore[no-untyped-def]
    answer = upload(school, class_id, roster_csv(rows))
    assert answer.status_code == expect, answer.get_data(as_text=True)[:500]
    return answer


def submit(school, class_id: int) -> None:  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{class_id}"
    assert school.post(f"{page}/submit", page=page).status_code == 302


def approve(officer, class_id: int) -> None:  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{class_id}"
    assert officer.post(f"{page}/approve", page=page).status_code == 302


@dataclass
class Exam:
    class_id: int
    sitting: Sitting
    enrollments: list[int]
    certificates: list[Certificate]


def hold_exam(app, officer, tablet, confirmer, sitting: Sitting, passes: list[bool]) -> Exam:  # type: ignore[no-untyped-def]
    """The tablet checks every candidate in and types a right (or blank) sheet; `confirmer`, a second
    proctor, confirms each; the tablet locks; the officer publishes (certificates are issued)."""
    ids = enrollments(app, sitting)
    for seat, (enrollment_id, right) in enumerate(zip(ids, passes, strict=True), start=1):
        enter(app, tablet, sitting, enrollment_id, seat, right=right)
    for enrollment_id in ids:
        assert confirm(app, confirmer, sitting, enrollment_id).status_code == 200
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 200
    page = f"/officer/classes/{sitting.class_id}"
    assert officer.post(f"/officer/sittings/{sitting.id}/publish", page=page).status_code == 302
    with app.app_context():
        s = db_session()
        certs = list(s.scalars(select(Certificate).order_by(Certificate.id)))
        for cert in certs:
            s.expunge(cert)
    return Exam(sitting.class_id, sitting, ids, certs)


def attempt_of(app, sitting: Sitting, enrollment_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(
            select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.enrollment_id == enrollment_id)
        )
