"""One training class from registration to certificates, every step through the app's HTTP routes
(shared by test_hostile_input.py and test_secrets_in_logs.py)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from examsvc.auth.models import User
from examsvc.certificates.models import Certificate
from examsvc.cli import main
from examsvc.db import db_session, utcnow
from examsvc.exams.models import Attempt, Sitting

from .class_helpers import class_form, roster_csv
from .paper_helpers import BANK
from .tablet_helpers import base, call, enrollments, enter


def import_bank(app) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(main, ["bank", "import", str(BANK)])
    assert result.exit_code == 0, result.output


def register_class(school, rows: list[list[object]], **form: object) -> int:  # type: ignore[no-untyped-def]
    """The institution's new class and roster (CSV upload); its id."""
    created = school.post("/institution/classes/new", class_form(**form))
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    class_id = int(re.search(r"(\d+)$", created.location).group(1))
    upload_roster(school, class_id, rows, expect=302)
    return class_id


def upload_roster(school, class_id: int, rows: list[list[object]], expect: int):  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{class_id}"
    answer = school.post(
        f"{page}/roster",
        {"roster": (io.BytesIO(roster_csv(rows)), "roster.csv")},
        page=page,
        content_type="multipart/form-data",
    )
    assert answer.status_code == expect, answer.get_data(as_text=True)[:500]
    return answer


def submit(school, class_id: int) -> None:  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{class_id}"
    assert school.post(f"{page}/submit", page=page).status_code == 302


def approve(officer, class_id: int) -> None:  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{class_id}"
    assert officer.post(f"{page}/approve", page=page).status_code == 302


def schedule(app, officer, class_id: int, venue: str = "考场") -> Sitting:  # type: ignore[no-untyped-def]
    """The first sitting's paper, a sitting that started 5 minutes ago, every proctor assigned
    (as conftest.schedule_sitting, with the venue the officer types)."""
    local = (utcnow() - timedelta(minutes=5)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    page = f"/officer/classes/{class_id}"
    officer.post(f"{page}/papers", {"sitting": "first", "starts_at": local}, page=page)
    form = {"kind": "first", "venue": venue, "county_code": "450123", "starts_at": local}
    form |= {"duration_minutes": "90", "marking": "sheet"}
    officer.post(f"{page}/sittings", {f"sitting-{k}": v for k, v in form.items()}, page=page)
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.class_id == class_id))
        proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
        s.expunge(sitting)
    assert officer.post(f"/officer/sittings/{sitting.id}/proctors", {"proctors": proctors}).status_code == 302
    return sitting


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
        assert call(confirmer, f"{base(sitting, enrollment_id)}/confirm", {}).status_code == 200
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
