"""Calls and answers for the tablet tests (the `sitting` and `tablet` fixtures are in conftest)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.auth.service import create_user
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt
from examsvc.papers.models import Paper
from examsvc.papers.variants import seat_variant
from examsvc.questions.cipher import BankCipher

from .conftest import PASSWORD
from .helpers import Client
from .paper_helpers import right_sheet


def add_proctor(app, world, username: str) -> None:  # type: ignore[no-untyped-def]
    """Another proctor of the world's county, assigned to nothing."""
    with app.app_context():
        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username=username,
            display_name=username,
            role="proctor",
            org_id=world.county,
            password=PASSWORD,
        )
        db_session().commit()


def call(client, path, body):  # type: ignore[no-untyped-def]
    """A JSON call from the tablet; check-ins get an idempotency key of their own unless given one."""
    if path.endswith("/check-in"):
        body = {"idempotency_key": secrets.token_hex(16), **body}
    token = client.token("/proctor")
    return client.raw.post(path, json=body, headers={"X-CSRFToken": token})


def enrollments(app, sitting):  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db_session().scalars(
                select(Enrollment.id).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
            )
        )


def right_answers(app, sitting, seat: int) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        paper = s.scalar(
            select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
        )
        payload = BankCipher(s, app.extensions["examsvc.keys"]).open_blob(
            paper.content, f"examsvc-paper:{sitting.class_id}:{sitting.kind}".encode()
        )
    questions = payload["questions"]
    variant = seat_variant(
        paper.seed,
        payload["class"],
        sitting.kind,
        seat,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options") or {})) for q in questions],
    )
    return right_sheet(questions, variant)


def base(sitting, enrollment_id):  # type: ignore[no-untyped-def]
    return f"/proctor/sittings/{sitting.id}/candidates/{enrollment_id}"


def enter(app, client, sitting, enrollment_id, seat, right=True, sheet=None):  # type: ignore[no-untyped-def]
    """Check the candidate in at this seat and enter a sheet: all right, all blank, or `sheet`."""
    version = call(
        client, f"{base(sitting, enrollment_id)}/check-in", {"presence": "present", "seat_no": seat}
    )
    if sheet is None:
        sheet = right_answers(app, sitting, seat)
        if not right:
            sheet = " ".join(["-"] * len(sheet.split()))
    body = {
        "answers": sheet,
        "version": version.get_json()["version"],
        "idempotency_key": secrets.token_hex(16),
    }
    assert call(client, f"{base(sitting, enrollment_id)}/result", body).status_code == 200


def close_sitting(app, tablet, officer, sitting) -> None:  # type: ignore[no-untyped-def]
    """The second proctor confirms every entry, the first locks, the officer publishes."""
    lock_sitting(app, tablet, sitting)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/sittings/{sitting.id}/publish", {}, page=page)


def lock_sitting(app, tablet, sitting) -> None:  # type: ignore[no-untyped-def]
    """The second proctor confirms every entry, the first locks."""
    second = Client(app)
    second.login("proctor2", PASSWORD)
    with app.app_context():
        ids = db_session().scalars(select(Attempt.enrollment_id).where(Attempt.sitting_id == sitting.id))
        for enrollment_id in list(ids):
            assert call(second, f"{base(sitting, enrollment_id)}/confirm", {}).status_code == 200
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 200
