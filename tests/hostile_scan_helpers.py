"""Makers and callers shared by tests/test_hostile_scans.py and tests/test_browser_scan_batch.py: a
committed sitting under way (for a real server and threads), sheets drawn for any seat or serial,
the answer-sheet endpoints called with any body, and the grade a sheet's truth earns."""

from __future__ import annotations

import base64
import io
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import requests
from PIL import Image
from sqlalchemy import func, select
from werkzeug.serving import make_server

from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.classes.models import Enrollment, TrainingClass
from examsvc.core.db import db_session, utcnow
from examsvc.demo.sheets import drawn_sheet
from examsvc.exams import service as sittings
from examsvc.exams.grading import Marking, grade, paper_seat_key, parse_sheet
from examsvc.exams.models import IdempotencyRecord
from examsvc.papers.composition import seed_of
from examsvc.papers.service import generate_paper, spec_from_json
from examsvc.papers.sheet_layout import mark_rows
from examsvc.papers.variants import seat_serial
from examsvc.questions.cipher import BankCipher
from examsvc.scans.models import AnswerScan

from .conftest import PASSWORD
from .helpers import csrf_token_in
from .paper_helpers import approved_class
from .scan_helpers import _paper, jpeg, photographed_sheet, png, right_marks, rows_of
from .tablet_helpers import call, enrollments
from .test_answer_scans import _check_in

SCANS = "/proctor/sittings/{}/scans"


def started_sitting(app, world, people: int = 3):  # type: ignore[no-untyped-def]
    """Committed: an approved class with its paper and its first sitting, marked by sheet, under way
    for 5 minutes with every proctor; the sitting's facts and its enrollments in roster order."""
    class_id = approved_class(app, world, people=people)
    with app.app_context():
        s = db_session()
        training_class = s.get(TrainingClass, class_id)
        config = app.config["EXAMSVC"]
        generate_paper(
            s, SYSTEM, BankCipher(s, app.extensions["examsvc.keys"]), training_class, "first", config
        )
        starts = utcnow() - timedelta(minutes=5)
        data = sittings.SittingInput("first", "考场", "450123", starts, 90, marking="sheet")
        sitting = sittings.schedule(s, SYSTEM, training_class, data, config, starts - timedelta(days=1))
        proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
        sittings.assign(s, SYSTEM, sitting, proctors, config, starts - timedelta(days=1))
        people_ids = list(
            s.scalars(select(Enrollment.id).where(Enrollment.class_id == class_id).order_by(Enrollment.id))
        )
        facts = SimpleNamespace(
            id=sitting.id,
            class_id=class_id,
            kind="first",
            training_class=SimpleNamespace(code=training_class.code),
        )
        s.commit()
    return facts, people_ids


@contextmanager
def served(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app on a real port, threaded, for as long as the block runs: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def drawn(app, sitting, seat: int, marks: list[str], ticks=(), serial: str | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The sheet of `seat` as the demo draws it (fast, no PDF), with `marks` filled; `serial` puts
    another sheet's name in its QR (a seat the paper does not have, another class)."""
    with app.app_context():
        paper, payload = _paper(app, sitting)
        rows, tag = mark_rows(payload["questions"]), paper.content_hash[:8]
    name = serial or seat_serial(sitting.training_class.code, sitting.kind, seat)
    return drawn_sheet(rows, name, tag, marks, ticks=ticks)


def graded(app, sitting, seat: int, sheet: str) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """(score in tenths, passed) that exams/grading.py gives `sheet` at `seat`: what the server must store."""
    with app.app_context():
        paper, payload = _paper(app, sitting)
        key = paper_seat_key(payload, seed_of(payload, paper.seed), seat)
        spec = spec_from_json(paper.spec)
    answers, problems = parse_sheet(sheet, key)
    assert not problems, problems
    score = grade(answers, key, Marking(partial_credit_percent=spec.partial_credit_percent)).score_tenths
    return score, score >= spec.pass_mark * 10


def json_post(client, path: str, body):  # type: ignore[no-untyped-def]
    """The tablet's JSON call with any body (bytes as they are), the CSRF token in its header."""
    token = client.token("/proctor")
    return client.raw.post(
        path,
        data=body if isinstance(body, bytes) else json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def upload(client, sitting, files, csrf: bool = True):  # type: ignore[no-untyped-def]
    """The scanner upload form with these (name, bytes) files; the answer, not followed."""
    path = SCANS.format(sitting.id)
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    if not csrf:
        return client.raw.post(f"{path}/upload", data=data, content_type="multipart/form-data")
    return client.post(f"{path}/upload", data, page=path, content_type="multipart/form-data")


def scan_rows(app, sitting_id: int) -> list[tuple[int, int | None, str, str | None]]:  # type: ignore[no-untyped-def]
    """(id, seat, state, problem) of every kept page of the sitting."""
    with app.app_context():
        query = select(AnswerScan.id, AnswerScan.seat_no, AnswerScan.state, AnswerScan.problem)
        rows = db_session().execute(query.where(AnswerScan.sitting_id == sitting_id).order_by(AnswerScan.id))
        return [tuple(r) for r in rows]


# ---- used by tests/test_hostile_scans.py
def held(app, sitting, tablet) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The first candidate checked in at seat 1, and the sheet photographed with question 41 (single
    choice) ticked: the scan waits for a person. Its id and page."""
    _check_in(tablet, sitting, enrollments(app, sitting)[0], 1)
    body = photographed_sheet(app, sitting, 1, True, tick_question=41)
    assert call(tablet, SCANS.format(sitting.id), body).status_code == 200
    scan_id = scan_rows(app, sitting.id)[-1][0]
    return scan_id, f"{SCANS.format(sitting.id)}/{scan_id}"


def photographed(app, tablet, sitting, seat: int) -> None:  # type: ignore[no-untyped-def]
    """Seat `seat`'s sheet, every answer right, sent by the tablet's camera: accepted."""
    assert (
        call(tablet, SCANS.format(sitting.id), photographed_sheet(app, sitting, seat, True)).status_code
        == 200
    )


def blank_png() -> bytes:
    """A page with no sheet on it."""
    return png(np.full((1100, 800), 250, np.uint8))


def batch_page(client, sitting) -> str:  # type: ignore[no-untyped-def]
    """The sheets' list as the proctor sees it next, with what the last post flashed."""
    return client.get(SCANS.format(sitting.id)).get_data(as_text=True)


def camera_body(gray: np.ndarray) -> dict:
    data = "data:image/jpeg;base64," + base64.b64encode(jpeg(gray)).decode()
    return {"image": data, "idempotency_key": secrets.token_hex(16)}


def flagged_twice(app, sitting, tablet) -> tuple[str, int, list[str]]:  # type: ignore[no-untyped-def]
    """Seat 1's sheet, every answer right but question 41 ticked (on A) and another single-choice
    question with two letters filled: its page, that question's number, and the candidate's truth."""
    _check_in(tablet, sitting, enrollments(app, sitting)[0], 1)
    rows, marks = rows_of(app, sitting), right_marks(app, sitting, 1)
    double = next(n for n, (kind, _) in enumerate(rows, 1) if kind == "single" and n != 41)
    other = next(m for m in rows[double - 1][1] if m != marks[double - 1])
    drawn_marks = [*marks]
    drawn_marks[40], drawn_marks[double - 1] = "-", marks[double - 1] + other
    gray = drawn(app, sitting, 1, drawn_marks, ticks=((41, "A"),))
    assert call(tablet, SCANS.format(sitting.id), camera_body(gray)).status_code == 200
    (scan_id, _, state, _), *_ = scan_rows(app, sitting.id)
    assert state == "review"
    truth = [*marks]
    truth[40] = "A"
    return f"{SCANS.format(sitting.id)}/{scan_id}", double, truth


def thin_png() -> bytes:
    """A PNG of 100,000 x 10 pixels (a million, far under the bound): fitted to 2,400 px, 0 px high."""
    return png(np.full((10, 100_000), 255, np.uint8))


def gif_page() -> bytes:
    out = io.BytesIO()
    Image.new("L", (800, 1100), 250).save(out, format="GIF")
    return out.getvalue()


def idempotency_records(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(IdempotencyRecord))


def signed_in(base_url: str, username: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = csrf_token_in(session.get(f"{base_url}/login").text)
    answer = session.post(
        f"{base_url}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return session, csrf_token_in(session.get(f"{base_url}/proctor").text)
