"""Calls and answers for the tablet tests (the `sitting` and `tablet` fixtures are in conftest)."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.auth.service import create_user
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, CorrectionRequest
from examsvc.papers.composition import seed_of
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
        seed_of(payload, paper.seed),
        payload["class"],
        sitting.kind,
        seat,
        [q["type"] for q in questions],
        [tuple(sorted(q.get("options") or {})) for q in questions],
    )
    return right_sheet(questions, variant)


def stored_result(app, sitting, enrollment_id) -> tuple[float | None, bool | None]:  # type: ignore[no-untyped-def]
    """(score, passed) as the server stored them: the tablet itself is never told (blind entry)."""
    with app.app_context():
        attempt = db_session().scalar(
            select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.enrollment_id == enrollment_id)
        )
    score = None if attempt is None or attempt.score_tenths is None else attempt.score_tenths / 10
    return score, None if attempt is None else attempt.passed


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


def confirm(app, client, sitting, enrollment_id):  # type: ignore[no-untyped-def]
    """A second proctor confirms the entry as it stands now (the version their page shows)."""
    with app.app_context():
        version = db_session().scalar(
            select(Attempt.version).where(
                Attempt.sitting_id == sitting.id, Attempt.enrollment_id == enrollment_id
            )
        )
    return call(client, f"{base(sitting, enrollment_id)}/confirm", {"version": version})


def correct(app, officer, approver, sitting, attempt_id, change, approval="已核对原始答题卡"):  # type: ignore[no-untyped-def]
    """`officer` asks for `change` (the form's fields, its reason included) on the result as it
    stands; `approver`, a second officer, approves it (None: the request stays pending)."""
    page = f"/officer/sittings/{sitting.id}/results"
    with app.app_context():
        version = db_session().get(Attempt, attempt_id).version
    url = f"/officer/sittings/{sitting.id}/attempts/{attempt_id}/correct"
    officer.post(url, {**change, "version": version}, page=page)
    if approver is None:
        return
    with app.app_context():
        request_id = db_session().scalar(
            select(CorrectionRequest.id).where(
                CorrectionRequest.attempt_id == attempt_id, CorrectionRequest.status == "pending"
            )
        )
    if request_id is not None:
        approve = f"/officer/sittings/{sitting.id}/corrections/{request_id}/approve"
        approver.post(approve, {"reason": approval}, page=page)


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
        query = select(Attempt.enrollment_id).where(Attempt.sitting_id == sitting.id)
        ids = list(db_session().scalars(query))
    for enrollment_id in ids:
        assert confirm(app, second, sitting, enrollment_id).status_code == 200
    assert call(tablet, f"/proctor/sittings/{sitting.id}/lock", {}).status_code == 200
