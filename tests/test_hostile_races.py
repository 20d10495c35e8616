"""Hostile probes of admission tickets and candidates' photos on a real server, with threads:
first downloads and photos sent at the same moment. Then three faults the trial found outside the
photo code itself, now fixed: a roster photo swapped after the start, a refused identity's photo on
the certificate, a trainee taken off a draft roster with their photo.

Each test asserts the safe behaviour.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.classes.models import CandidatePhoto, Enrollment, TrainingClass
from examsvc.core.db import db_session, utcnow
from examsvc.exams import service as sittings
from examsvc.exams.models import AdmissionTicket, Sitting
from examsvc.papers.service import generate_paper
from examsvc.questions.cipher import BankCipher
from tests.conftest import PASSWORD, World, schedule_sitting
from tests.helpers import job_file
from tests.hostile_photo_helpers import _b64, _into_the_past, _jpeg, _photos, _upload
from tests.paper_helpers import approved_class, draft_class
from tests.stored import committed_database
from tests.tablet_helpers import base, call, close_sitting, enrollments, enter

# ---------------------------------------------------------------- races, on a real server


class _Browser:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def post(self, path: str, form: dict, token: str) -> tuple[int, bytes]:
        data = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data)) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def _paper_and_sitting(app, class_id: int, starts, scheduled_at) -> Sitting:  # type: ignore[no-untyped-def]
    """The class's first paper and its sitting at `starts`, scheduled at `scheduled_at` (not committed)."""
    s, cfg = db_session(), app.config["EXAMSVC"]
    training_class = s.get(TrainingClass, class_id)
    generate_paper(s, SYSTEM, BankCipher(s, app.extensions["examsvc.keys"]), training_class, "first", cfg)
    data = sittings.SittingInput("first", "考场", "450123", starts, 90)
    return sittings.schedule(s, SYSTEM, training_class, data, cfg, scheduled_at)


def test_first_downloads_at_once_issue_each_ticket_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Several first downloads at the same moment (an institution's staff, an officer): every one
    answers with the PDF, and each candidate has one ticket and one seat."""
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    server = None
    try:
        class_id = approved_class(app, World(app), people=40)
        with app.app_context():
            now = utcnow()
            sitting_id = _paper_and_sitting(app, class_id, now + timedelta(days=2), now).id
            db_session().commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = _Browser(f"http://127.0.0.1:{server.server_port}")
        browser.post("/login", {"username": "school1", "password": PASSWORD}, browser.token("/login"))
        page = f"/institution/classes/{class_id}"
        token = browser.token(page)
        start, outcomes = threading.Barrier(6), []

        def download() -> None:
            start.wait()
            outcomes.append(browser.post(f"{page}/tickets/first.pdf", {}, token))

        threads = [threading.Thread(target=download) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert [code for code, _ in outcomes] == [200] * 6
        assert all(body.startswith(b"%PDF") for _, body in outcomes)
        with app.app_context():
            s = db_session()
            rows = s.scalars(select(AdmissionTicket).where(AdmissionTicket.sitting_id == sitting_id)).all()
            issued = s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ticket.issue")
            )
        assert len(rows) == 40 and sorted(t.seat_no for t in rows) == list(range(1, 41))
        assert issued == 1
    finally:
        if server is not None:
            server.shutdown()
        app.extensions["examsvc.db"].engine.dispose()
        drop()


def test_photos_sent_at_once_for_one_candidate_store_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two proctors photograph the same candidate at the same moment (or a tablet resends): every
    call answers without a server error, and one check-in photo stays."""
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    server = None
    try:
        class_id = approved_class(app, World(app))
        with app.app_context():
            s = db_session()
            starts = utcnow() - timedelta(minutes=5)
            sitting = _paper_and_sitting(app, class_id, starts, starts - timedelta(days=1))
            proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
            sittings.assign(s, SYSTEM, sitting, proctors, app.config["EXAMSVC"], starts - timedelta(days=1))
            enrollment_id = s.scalar(select(Enrollment.id).where(Enrollment.class_id == class_id).limit(1))
            path = f"/proctor/sittings/{sitting.id}/candidates/{enrollment_id}/photo"
            s.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        tablets = []
        for name in ("proctor1", "proctor2") * 3:
            browser = _Browser(f"http://127.0.0.1:{server.server_port}")
            browser.post("/login", {"username": name, "password": PASSWORD}, browser.token("/login"))
            tablets.append((browser, browser.token("/proctor")))
        start, outcomes = threading.Barrier(len(tablets)), []

        def send(browser: _Browser, token: str, colour: int) -> None:
            body = json.dumps({"photo": _b64(_jpeg(colour=(colour, 90, 90)))}).encode()
            request = urllib.request.Request(
                browser.base + path,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "X-CSRFToken": token},
            )
            start.wait()
            try:
                with browser.opener.open(request) as response:
                    outcomes.append(response.status)
            except urllib.error.HTTPError as exc:
                outcomes.append(exc.code)

        threads = [
            threading.Thread(target=send, args=(browser, token, 40 * i))
            for i, (browser, token) in enumerate(tablets)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert outcomes and all(code < 500 for code in outcomes), outcomes
        assert 200 in outcomes
        with app.app_context():
            kept = db_session().scalar(select(func.count()).select_from(CandidatePhoto))
        assert kept == 1
    finally:
        if server is not None:
            server.shutdown()
        app.extensions["examsvc.db"].engine.dispose()
        drop()


# ---------------------------------------------------------------- faults found and fixed


def test_the_roster_photo_is_fixed_once_the_sitting_starts(app, world, officer, school) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    first = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    assert _upload(school, class_id, first, _jpeg(colour=(200, 0, 0))).status_code == 302
    schedule_sitting(app, officer, class_id, "first")  # and it started 5 minutes ago
    before = _photos(app)
    assert _upload(school, class_id, first, _jpeg(colour=(0, 0, 200))).status_code == 302
    assert _photos(app) == before


def test_the_certificate_never_prints_the_photo_of_a_refused_identity(
    app, world, officer, tablet, sitting, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    impostor_shown, other, third = enrollments(app, sitting)
    impostor = _jpeg(240, 320, (0, 0, 255))
    assert (
        call(tablet, f"{base(sitting, impostor_shown)}/photo", {"photo": _b64(impostor)}).status_code == 200
    )
    call(tablet, f"{base(sitting, impostor_shown)}/check-in", {"presence": "refused"})
    enter(app, tablet, sitting, other, 1, right=True)
    enter(app, tablet, sitting, third, 2, right=True)
    close_sitting(app, tablet, officer, sitting)
    _into_the_past(app, sitting)
    retake = schedule_sitting(app, officer, sitting.class_id, "retake")
    enter(app, tablet, retake, impostor_shown, 1, right=True)  # the real trainee; the camera was off
    close_sitting(app, tablet, officer, retake)
    pdf = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/pdf", "/").data
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "img")], check=True)
    blues = [
        p
        for p in tmp_path.glob("img-*.png")
        if Image.open(p).convert("RGB").getpixel((5, 5))[2] > 200
        and Image.open(p).convert("RGB").getpixel((5, 5))[0] < 50
    ]
    assert blues == []


def test_a_trainee_taken_off_a_draft_roster_goes_with_their_photo(app, world, school) -> None:  # type: ignore[no-untyped-def]
    class_id = draft_class(app, world)
    first = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    assert _upload(school, class_id, first, _jpeg()).status_code == 302 and len(_photos(app)) == 1
    page = f"/institution/classes/{class_id}"
    try:
        removed = school.post(f"{page}/enrollments/{first}/delete", page=page)
    except IntegrityError:
        removed = None  # the testing app lets the error through: a 500 in production
    assert removed is not None and removed.status_code == 302
    with app.app_context():
        assert db_session().get(Enrollment, first) is None
    assert _photos(app) == []
