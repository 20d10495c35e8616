"""The state machine of tests/test_integrity_stateful.py: what every role can do to one class's exam,
through HTTP. The promises it checks after every step are in integrity_promises.py."""

from __future__ import annotations

import base64
import secrets
from collections import Counter
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
)
from sqlalchemy import select

from examsvc.auth.models import User
from examsvc.certificates.models import Certificate
from examsvc.core.db import BEIJING, db_session
from examsvc.demo.portraits import portrait
from examsvc.exams.lifecycle import Phase, phase_of
from examsvc.exams.models import Attempt, CorrectionRequest, Sitting
from examsvc.papers.models import Paper

from .cert_helpers import api
from .conftest import PASSWORD, second_officer_client
from .helpers import Client, job_file, post_sitting
from .integrity_promises import ExamPromises
from .paper_helpers import approved_class
from .scan_helpers import photographed_sheet
from .tablet_helpers import base, call, enrollments, right_answers

PROCTORING = {Phase.OPEN, Phase.CLOSED}
AHEAD = [-30, -1, 2, 10, 45, 61, 180, 600]  # minutes from now to a new start: past, soon, later
TABLET_STATUSES = {200, 404, 409, 422}  # what a tablet may be answered; never a 5xx
PHOTO = "data:image/jpeg;base64," + base64.b64encode(portrait("a candidate")).decode()


def statuses_in_list(token: str):  # type: ignore[no-untyped-def]
    """The status at an index of a Status List Token, read from the draft (2 bits, LSB first)."""
    import base64
    import json
    import zlib

    body = token.split(".")[1]
    lst = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["status_list"]["lst"]
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    return lambda index: (raw[index // 4] >> (2 * (index % 4))) & 3


def exam_machine(app, world, officer, reached: Counter[str]):  # type: ignore[no-untyped-def]
    """The state machine of one class's exam, over this app's world and the roles' clients."""
    other_officer = second_officer_client(app, world)
    proctors = []
    for name in ("proctor1", "proctor2"):
        client = Client(app)
        client.login(name, PASSWORD)
        proctors.append(client)
    anonymous = Client(app)
    clock = app.extensions["examsvc.clock"]
    with app.app_context():
        proctor_ids = list(db_session().scalars(select(User.id).where(User.role == "proctor")))
    counter = iter(range(10_000))

    class Exam(ExamPromises, RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.app, self.clock = app, clock  # what the promises read (integrity_promises.py)
            # A day after the last example (whose sittings would clash with this one's proctors),
            # at half past a minute: a step never lands on the minute a sitting starts.
            now = clock.now()
            clock.advance(timedelta(days=1, seconds=(30 - now.second) % 60, microseconds=-now.microsecond))
            n = next(counter)
            self.class_id = approved_class(
                app, world, title=f"性质测试班{n}", people=3, first_person=100 + 3 * n
            )
            page = f"/officer/classes/{self.class_id}"
            officer.post(f"{page}/papers", {"sitting": "first"}, page=page)
            self.sitting_id: int | None = None
            self.people = []
            self.published_values: dict[int, tuple] = {}  # attempt -> values at publication
            self.elsewhere: int | None = None  # another class's sitting, made when first moved to

        # ---- reading the world ------------------------------------------------------------
        def sitting(self) -> Sitting | None:
            if self.sitting_id is None:
                return None
            with app.app_context():
                found = db_session().get(Sitting, self.sitting_id)
                db_session().expunge(found)
                return found

        def phase(self) -> Phase | None:
            found = self.sitting()
            return None if found is None else phase_of(found, clock.now())

        def attempt(self, enrollment_id: int) -> Attempt | None:
            with app.app_context():
                return db_session().scalar(
                    select(Attempt).where(
                        Attempt.sitting_id == self.sitting_id, Attempt.enrollment_id == enrollment_id
                    )
                )

        def tablet(self, proctor: int, path: str, body: dict):  # type: ignore[no-untyped-def]
            answer = call(proctors[proctor], path, body)
            reached[f"tablet {path.rsplit('/', 1)[-1]} {answer.status_code}"] += 1
            assert answer.status_code in TABLET_STATUSES, (path, answer.status_code)
            assert not {"score", "passed"} & set(answer.get_json() or {}), "entry is blind"
            return answer

        # ---- the office ------------------------------------------------------------------------
        @initialize(minutes=st.sampled_from(AHEAD))
        def the_office_schedules_the_sitting(self, minutes: int) -> None:
            """Most walks start with a sitting (the walks are short); a past start leaves none."""
            self.schedule(minutes)

        @precondition(lambda self: self.sitting_id is None)
        @rule(minutes=st.sampled_from(AHEAD))
        def schedule(self, minutes: int) -> None:
            starts = clock.now() + timedelta(minutes=minutes)
            assert post_sitting(officer, self.class_id, starts, minutes=60, paper=False).status_code == 302
            with app.app_context():
                found = db_session().scalar(select(Sitting).where(Sitting.class_id == self.class_id))
            assert (found is not None) == (starts.replace(second=0, microsecond=0) > clock.now())
            if found is None:
                return
            self.sitting_id = found.id
            self.people = enrollments(app, found)
            url = f"/officer/sittings/{found.id}/proctors"
            officer.post(url, {"proctors": proctor_ids})

        @rule(minutes=st.sampled_from([1, 5, 30, 61, 120]))
        def time_passes(self, minutes: int) -> None:
            clock.advance(timedelta(minutes=minutes))

        @precondition(lambda self: self.phase() in {Phase.SCHEDULED, Phase.RELEASED})
        @rule(into=st.sampled_from([1, 30, 65]))
        def the_sitting_begins(self, into: int) -> None:
            """Straight to `into` minutes after the start (past the end at 65: it lasts 60)."""
            clock.advance(self.sitting().starts_at + timedelta(minutes=into) - clock.now())

        @precondition(lambda self: self.sitting_id is not None)
        @rule(minutes=st.sampled_from(AHEAD))
        def reschedule(self, minutes: int) -> None:
            before = self.phase()
            starts = (clock.now() + timedelta(minutes=minutes)).astimezone(BEIJING)
            form = {f"move{self.sitting_id}-starts_at": starts.strftime("%Y-%m-%dT%H:%M")}
            form[f"move{self.sitting_id}-reason"] = "改期"
            url = f"/officer/sittings/{self.sitting_id}/reschedule"
            assert officer.post(url, form, page=f"/officer/classes/{self.class_id}").status_code == 302
            if self.phase() is not before and before not in {
                Phase.SCHEDULED,
                Phase.RELEASED,
                Phase.CANCELLED,
            }:
                raise AssertionError(f"a sitting in phase {before} moved")

        @precondition(lambda self: self.sitting_id is not None)
        @rule()
        def cancel(self) -> None:
            before = self.phase()
            url = f"/officer/sittings/{self.sitting_id}/cancel"
            form = {f"cancel{self.sitting_id}-reason": "取消"}
            assert officer.post(url, form, page=f"/officer/classes/{self.class_id}").status_code == 302
            if self.phase() is Phase.CANCELLED and before is not Phase.CANCELLED:
                assert before in {Phase.SCHEDULED, Phase.RELEASED, Phase.OPEN, Phase.CLOSED}

        @precondition(lambda self: self.sitting_id is not None)
        @rule()
        def publish(self) -> None:
            before = self.phase()
            page = f"/officer/classes/{self.class_id}"
            assert (
                officer.post(f"/officer/sittings/{self.sitting_id}/publish", {}, page=page).status_code == 302
            )
            if self.phase() is Phase.PUBLISHED and before is not Phase.PUBLISHED:
                reached["published"] += 1
                assert before is Phase.LOCKED
                with app.app_context():
                    attempts = db_session().scalars(
                        select(Attempt).where(Attempt.sitting_id == self.sitting_id)
                    )
                    self.published_values = {a.id: (a.presence, a.score_tenths, a.passed) for a in attempts}

        @precondition(lambda self: self.phase() is Phase.LOCKED)
        @rule()
        def the_office_publishes_what_is_locked(self) -> None:
            """Publishing again, once it can happen: the walks are short, and what follows it counts."""
            self.publish()

        @precondition(lambda self: self.phase() in {Phase.LOCKED, Phase.PUBLISHED})
        @rule(who=st.integers(0, 2), to=st.sampled_from(["pass", "fail", "absent"]))
        def an_officer_finds_a_mistake(self, who: int, to: str) -> None:
            """Asking for a correction again, once it can happen (see above)."""
            self.ask_for_a_correction(who, to)

        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2))
        def move_someone_elsewhere(self, who: int) -> None:
            """A sick note: the officer moves a candidate to another class's sitting next month."""
            if self.elsewhere is None:
                self.elsewhere = self.another_sitting()
            form = {"target": self.elsewhere, "reason": "病假"}
            answer = officer.post(f"/officer/enrollments/{self.people[who]}/move", form)
            reached[f"move {answer.status_code}"] += 1
            assert answer.status_code in {302, 422}

        def another_sitting(self) -> int:
            """A class of the same syllabus with a sitting in 30 days (no proctors: none clash)."""
            n = next(counter)
            class_id = approved_class(app, world, title=f"别处班{n}", people=1, first_person=5000 + n)
            post_sitting(officer, class_id, clock.now() + timedelta(days=30), venue="别处考场", minutes=60)
            with app.app_context():
                return db_session().scalar(select(Sitting.id).where(Sitting.class_id == class_id))

        @precondition(lambda self: self.sitting_id is not None)
        @rule(who=st.sampled_from(["officer", "proctor"]))
        def print_paper(self, who: str) -> None:
            current = self.phase()
            if who == "officer":
                paper = self.paper()
                answer = job_file(
                    officer, f"/officer/papers/{paper.id}/pdf", f"/officer/classes/{paper.class_id}"
                )
            else:
                page = f"/proctor/sittings/{self.sitting_id}"
                answer = job_file(proctors[0], f"{page}/paper", page)
            # 302: refused before any job was made (sent back, the reason flashed); 403: the file of a
            # job made while the paper was open, asked for again after its seal closed (cancelled)
            assert answer.status_code in {200, 302, 403, 404}  # 404: a proctor not assigned to it
            if answer.status_code == 200:  # a paper is unreadable until its sitting's release
                assert current in {Phase.RELEASED, Phase.OPEN, Phase.CLOSED, Phase.LOCKED, Phase.PUBLISHED}

        @precondition(lambda self: self.sitting_id is not None)
        @rule()
        def print_tickets(self) -> None:
            current, before = self.phase(), self.tickets()
            page = f"/officer/classes/{self.class_id}"
            answer = officer.post(f"/officer/sittings/{self.sitting_id}/tickets.pdf", page=page)
            assert answer.status_code in {200, 302, 404}  # 302: nobody to print; 404: cancelled
            if self.tickets() != before:  # seats are dealt only before the start
                assert current in {Phase.SCHEDULED, Phase.RELEASED}, f"tickets issued while {current}"

        # ---- the proctors ----------------------------------------------------------------------
        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2))
        def photograph(self, who: int) -> None:
            current = self.phase()
            path = f"{base(self.sitting(), self.people[who])}/photo"
            if self.tablet(0, path, {"photo": PHOTO}).status_code == 200:
                assert current in PROCTORING, f"photographed while {current}"

        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2), presence=st.sampled_from(["present", "absent"]), seat=st.integers(1, 3))
        def check_in(self, who: int, presence: str, seat: int) -> None:
            current = self.phase()
            body = {"presence": presence, "seat_no": seat}
            if self.tablet(0, f"{base(self.sitting(), self.people[who])}/check-in", body).status_code == 200:
                assert current in PROCTORING, f"checked in while {current}"

        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2), proctor=st.integers(0, 1), right=st.booleans())
        def save_sheet(self, who: int, proctor: int, right: bool) -> None:
            current, attempt = self.phase(), self.attempt(self.people[who])
            seat = attempt.seat_no if attempt and attempt.seat_no else 1
            sheet = right_answers(app, self.sitting(), seat)
            if not right:
                sheet = " ".join(["-"] * len(sheet.split()))
            body = {"answers": sheet, "version": attempt.version if attempt else 0}
            body["idempotency_key"] = secrets.token_hex(16)
            answer = self.tablet(proctor, f"{base(self.sitting(), self.people[who])}/result", body)
            if answer.status_code == 200:
                assert current in PROCTORING, f"a sheet saved while {current}"

        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2), right=st.booleans())
        def photograph_a_sheet(self, who: int, right: bool) -> None:
            current, attempt = self.phase(), self.attempt(self.people[who])
            body = photographed_sheet(app, self.sitting(), (attempt and attempt.seat_no) or 1, right)
            if self.tablet(1, f"/proctor/sittings/{self.sitting_id}/scans", body).status_code == 200:
                assert current in PROCTORING, f"a sheet read while {current}"

        @precondition(lambda self: self.people)
        @rule(rights=st.lists(st.booleans(), min_size=3, max_size=3))
        def everyone_sits(self, rights: list[bool]) -> None:
            """Each candidate checked in at their own seat and a sheet saved (right or blank)."""
            for seat, right in enumerate(rights, start=1):
                self.check_in(seat - 1, "present", seat)
                self.save_sheet(seat - 1, 0, right)

        @precondition(lambda self: self.people)
        @rule()
        def the_proctors_finish(self) -> None:
            """The second proctor confirms every entry as shown; the first locks the sitting."""
            for who in range(3):
                self.confirm(who, stale=False)
            self.lock()

        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2), stale=st.booleans())
        def confirm(self, who: int, stale: bool) -> None:
            current, attempt = self.phase(), self.attempt(self.people[who])
            if attempt is None:
                return
            seen = attempt.version - 1 if stale else attempt.version
            confirmer = 1 if attempt.entered_by == self.proctor_id(0) else 0
            answer = self.tablet(
                confirmer, f"{base(self.sitting(), self.people[who])}/confirm", {"version": seen}
            )
            if answer.status_code == 200:
                assert current in PROCTORING and not stale, "confirmed unseen, or outside the sitting"
                after = self.attempt(self.people[who])
                assert (after.presence, after.answers) == (attempt.presence, attempt.answers)

        @precondition(lambda self: self.sitting_id is not None)
        @rule()
        def lock(self) -> None:
            current = self.phase()
            if self.tablet(0, f"/proctor/sittings/{self.sitting_id}/lock", {}).status_code == 200:
                assert current in PROCTORING

        # ---- corrections -----------------------------------------------------------------------
        @precondition(lambda self: self.people)
        @rule(who=st.integers(0, 2), to=st.sampled_from(["pass", "fail", "absent"]))
        def ask_for_a_correction(self, who: int, to: str) -> None:
            attempt = self.attempt(self.people[who])
            if attempt is None:
                return
            seat = attempt.seat_no or 3
            sheet = right_answers(app, self.sitting(), seat)
            if to == "fail":
                sheet = " ".join(["-"] * len(sheet.split()))
            change = {"presence": "absent" if to == "absent" else "present", "seat_no": str(seat)}
            change.update(answers=sheet, reason="复核", version=attempt.version)
            url = f"/officer/sittings/{self.sitting_id}/attempts/{attempt.id}/correct"
            assert (
                officer.post(url, change, page=f"/officer/sittings/{self.sitting_id}/results").status_code
                == 302
            )

        @precondition(lambda self: self.sitting_id is not None)
        @rule(by_the_asker=st.booleans(), approve=st.booleans())
        def decide_a_correction(self, by_the_asker: bool, approve: bool) -> None:
            with app.app_context():
                pending = db_session().scalar(
                    select(CorrectionRequest.id)
                    .join(Attempt, Attempt.id == CorrectionRequest.attempt_id)
                    .where(Attempt.sitting_id == self.sitting_id, CorrectionRequest.status == "pending")
                )
            if pending is None:
                return
            client = officer if by_the_asker else other_officer
            action = "approve" if approve else "reject"
            reached[f"correction {action} by {'the asker' if by_the_asker else 'a second officer'}"] += 1
            url = f"/officer/sittings/{self.sitting_id}/corrections/{pending}/{action}"
            page = f"/officer/sittings/{self.sitting_id}/results"
            assert client.post(url, {"reason": "审核"}, page=page).status_code == 302

        @rule(who=st.integers(0, 2), suspend=st.booleans())
        def an_appeal_opens_or_closes(self, who: int, suspend: bool) -> None:
            """The officer suspends a certificate while an appeal is heard, or lifts that."""
            cert = next((c for c in self.certificates() if c.enrollment_id == self.people[who]), None)
            if cert is None:
                return
            action = "suspend" if suspend else "reinstate"
            page = f"/officer/classes/{self.class_id}"
            answer = officer.post(f"/officer/certificates/{cert.id}/{action}", {"reason": "申诉"}, page=page)
            reached[f"certificate {action}"] += 1
            assert answer.status_code == 302  # done, or refused with a message on the class page

        # ---- the public ------------------------------------------------------------------------
        @rule()
        def verify_every_certificate(self) -> None:
            """The API and the published status list both say what the records say."""
            certs = self.certificates()
            listed = statuses_in_list(anonymous.get("/s/1").get_data(as_text=True))
            for cert in certs:
                expected = "revoked" if cert.revoked_at else "suspended" if cert.suspended_at else "valid"
                assert api(anonymous, {"token": cert.token}).get_json()["status"] == expected
                assert listed(cert.status_index) == {"valid": 0, "revoked": 1, "suspended": 2}[expected]

        # ---- helpers ---------------------------------------------------------------------------
        def certificates(self) -> list[Certificate]:
            with app.app_context():
                query = select(Certificate).where(Certificate.class_id == self.class_id)
                return list(db_session().scalars(query))

        def paper(self) -> Paper:
            with app.app_context():
                return db_session().scalar(select(Paper).where(Paper.class_id == self.class_id))

        def proctor_id(self, index: int) -> int:
            return sorted(proctor_ids)[index]

    return Exam
