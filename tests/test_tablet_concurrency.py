"""Duplicate submissions sent at the same moment (a tablet retrying on a bad network) make one record.

Runs against a real server with a committed database: PostgreSQL when the suite runs on it.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import threading
import urllib.request
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.serving import make_server

from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session, utcnow
from examsvc.exams import service as sittings
from examsvc.exams.models import Attempt, IdempotencyRecord
from examsvc.exams.results import check_in
from examsvc.papers.service import generate_paper
from examsvc.questions.cipher import BankCipher

from .conftest import PASSWORD, World
from .paper_helpers import approved_class
from .stored import committed_database

TABLETS = 8


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def post_form(self, path: str, form: dict) -> None:
        data = urllib.parse.urlencode({**form, "csrf_token": self.token(path)}).encode()
        self.opener.open(urllib.request.Request(self.base + path, data=data))

    def post_json(self, path: str, body: dict, token: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        try:
            with self.opener.open(request) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def test_duplicates_sent_at_once_store_one_result(tmp_path):
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    server = None
    try:
        world = World(app)
        class_id = approved_class(app, world)
        with app.app_context():
            s = db_session()
            from examsvc.classes.models import TrainingClass

            training_class = s.get(TrainingClass, class_id)
            starts = utcnow() - timedelta(minutes=5)
            generate_paper(
                s,
                SYSTEM,
                BankCipher(s, app.extensions["examsvc.keys"]),
                training_class,
                "first",
                app.config["EXAMSVC"],
            )
            sitting = sittings.schedule(
                s,
                SYSTEM,
                training_class,
                sittings.SittingInput("first", "考场", "450123", starts, 90),
                app.config["EXAMSVC"],
                starts - timedelta(days=1),  # scheduled the day before
            )
            proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
            sittings.assign(s, SYSTEM, sitting, proctors, app.config["EXAMSVC"], starts - timedelta(days=1))
            proctor = s.scalar(select(User).where(User.username == "proctor1"))
            enrollment = s.scalar(select(Enrollment).where(Enrollment.class_id == class_id).limit(1))
            attempt = check_in(s, SYSTEM, proctor, sitting, enrollment, "present", 1, None, utcnow())
            ids = (sitting.id, enrollment.id, attempt.version)
            s.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = Browser(f"http://127.0.0.1:{server.server_port}")
        browser.post_form("/login", {"username": "proctor1", "password": PASSWORD})
        token = browser.token("/proctor")
        sitting_id, enrollment_id, version = ids
        path = f"/proctor/sittings/{sitting_id}/candidates/{enrollment_id}/result"
        body = {"answers": " ".join(["-"] * 90), "version": version, "idempotency_key": secrets.token_hex(16)}
        start, outcomes = threading.Barrier(TABLETS), []

        def send() -> None:
            start.wait()
            outcomes.append(browser.post_json(path, body, token))

        threads = [threading.Thread(target=send) for _ in range(TABLETS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(code for code, _ in outcomes) == [200] * TABLETS, outcomes
        answers = {(r["attempt"], r["state"], r["version"]) for _, r in outcomes}
        assert len(answers) == 1  # every duplicate got the one stored result
        with app.app_context():
            s = db_session()
            assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
            stored = s.scalars(select(Attempt)).one()
            assert stored.version == version + 1  # written once
    finally:
        if server is not None:
            server.shutdown()
        app.extensions["examsvc.db"].engine.dispose()
        drop()
