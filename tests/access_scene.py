"""The access matrix's world: one class through its whole life, and a client signed in as each
kind of user, so that every route can be probed as each of them (tests/test_access_matrix.py)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import func, select

from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.classes import photos
from examsvc.classes.models import Enrollment
from examsvc.core.crypto import aead
from examsvc.core.db import db_session, utcnow
from examsvc.exams.models import Attempt, CorrectionRequest
from examsvc.jobs.kinds import Output
from examsvc.jobs.models import Job
from examsvc.jobs.runner import sealed_output
from examsvc.orgs.models import Organisation
from examsvc.orgs.service import create_organisation
from examsvc.papers.models import Paper
from examsvc.questions.models import Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags
from examsvc.scans.models import AnswerScan
from examsvc.trainees.models import IdentityChange

from .cert_helpers import certified
from .conftest import schedule_sitting
from .helpers import Client
from .tablet_helpers import add_proctor
from .test_retake import _into_the_past

ANON, ADMIN, OFFICER = "anonymous", "admin", "officer"
PROCTOR, PROCTOR_ELSEWHERE = "proctor (assigned)", "proctor (other county, not assigned)"
SCHOOL, OTHER_SCHOOL = "institution (owner)", "another institution"
ACTORS = (ANON, ADMIN, OFFICER, PROCTOR, PROCTOR_ELSEWHERE, SCHOOL, OTHER_SCHOOL)


@dataclass
class Scenario:
    ids: dict[str, object]  # the objects' ids that fill the rows' paths
    clients: dict[str, Client]  # actor -> signed in as that actor
    tokens: dict[str, str]  # actor -> the CSRF token of their session


def _done_job(app, s, paper_id: int) -> int:  # type: ignore[no-untyped-def]
    """The officer's print of the class's (released) paper, done: its file is there to download."""
    job = Job(
        key=f"paper.pdf:matrix:{paper_id}",
        kind="paper.pdf",
        params=json.dumps({"paper": paper_id}),
        owner_id=s.scalar(select(User.id).where(User.username == "officer1")),
        state="done",
        done=1,
        total=1,
        attempts=1,
    )
    s.add(job)
    s.flush()
    s.add(sealed_output(app, job.id, Output("matrix.pdf", "application/pdf", b"%PDF-1.4 matrix")))
    s.commit()
    return job.id


@pytest.fixture
def scenario(app, world, officer, sitting, tablet) -> Scenario:  # type: ignore[no-untyped-def]
    """Class A (the world's institution): its first sitting published with certificates, its
    retake sitting open with one candidate; a second institution's user; a proctor elsewhere."""
    certificates = certified(app, sitting, tablet, officer)
    _into_the_past(app, sitting)  # its proctors are free for the retake today
    retake = schedule_sitting(app, officer, sitting.class_id, "retake")
    add_proctor(app, world, "proctor9")
    add_proctor(app, world, "spare")  # edited by the admin's probes (an empty form deactivates)
    with app.app_context():
        s = db_session()
        elsewhere = create_organisation(
            s, SYSTEM, kind="county", code="450124", name="另一县应急管理局", county_code="450124"
        )
        s.get(User, s.scalar(select(User.id).where(User.username == "proctor9"))).org_id = elsewhere.id
        world.make_user(s, "institution", "school2", world.other_institution)
        spare_org = create_organisation(
            s,
            SYSTEM,
            kind="institution",
            code="91450100MA5TEAM03J",
            name="第三培训学校",
            county_code="450123",
        )
        first_attempt = s.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id))
        correction = CorrectionRequest(  # asked by the officer who probes: deciding it is refused
            attempt_id=first_attempt.id,
            attempt_version=first_attempt.version,
            presence="absent",
            typed="",
            reason="矩阵",
            requested_by=s.scalar(select(User.id).where(User.username == "officer1")),
        )
        s.add(correction)
        change = IdentityChange(  # what a roster with another spelling of a name asks
            trainee_id=s.scalar(
                select(Enrollment.trainee_id).where(Enrollment.id == first_attempt.enrollment_id)
            ),
            field="name",
            old_value="学员1",
            new_value="学员壹",
            source="矩阵",
        )
        s.add(change)
        s.commit()
        candidate = s.scalar(  # the one who failed: the retake's only candidate
            select(Attempt.enrollment_id).where(Attempt.sitting_id == sitting.id, Attempt.passed.is_(False))
        )
        photo = Image.new("RGB", (240, 320), (120, 90, 60))  # the institution's, on the roster
        photo_bytes = io.BytesIO()
        photo.save(photo_bytes, format="JPEG")
        keyring = app.extensions["examsvc.keys"]
        photos.store(
            s, keyring, SYSTEM, s.get(Enrollment, candidate), None, photo_bytes.getvalue(), None, utcnow()
        )
        scan = AnswerScan(sitting_id=retake.id, state="unmatched", source="scanner", page_label="scene.png")
        scan.digest = hashlib.sha256(photo_bytes.getvalue()).hexdigest()
        scan.sealed = aead.seal(
            keyring.personal_data, photo_bytes.getvalue(), f"scan:{retake.id}:{scan.digest}".encode()
        )
        corners = [[10, 10], [230, 10], [230, 310], [10, 310]]
        scan.reading = json.dumps(
            {"corners": corners, "questions": [[1, "single", "", True, "??", [0.3, 0.3], "AB"]]}
        )
        scan.uploaded_by, scan.uploaded_at = (
            s.scalar(select(User.id).where(User.username == "proctor1")),
            utcnow(),
        )
        s.add(scan)
        s.commit()
        ids = {
            "scan": scan.id,
            "class": sitting.class_id,
            "first": sitting.id,
            "retake": retake.id,
            "candidate": candidate,
            "attempt": first_attempt.id,
            "correction": correction.id,
            "change": change.id,
            "trainee": s.scalar(select(Enrollment.trainee_id).where(Enrollment.id == candidate)),
            "paper": s.scalar(select(Paper.id).where(Paper.class_id == sitting.class_id)),
            "certificate": certificates[0].id,
            "token": certificates[0].token,
            "question": s.scalar(select(func.min(Question.id))),
            "user": s.scalar(select(User.id).where(User.username == "spare")),
            "spare_org": spare_org.id,
            "institution": world.institution,
            "other_institution": world.other_institution,
            "employer": s.scalar(select(Organisation.id).where(Organisation.kind == "employer")),
        }
        ids["job"] = _done_job(app, s, ids["paper"])
        ids["version"] = s.scalar(select(func.min(QuestionVersion.id)))
        queue_flags(
            s, {ids["version"]: [{"code": "too_easy", "params": {"facility": 0.99}, "sitting_id": 1}]}
        )
        s.commit()
        ids["review_item"] = s.scalar(select(func.min(ReviewItem.id)))
    logins = {
        ADMIN: "admin1",
        OFFICER: "officer1",
        PROCTOR: "proctor1",
        PROCTOR_ELSEWHERE: "proctor9",
        SCHOOL: "school1",
        OTHER_SCHOOL: "school2",
    }
    clients = {ANON: Client(app)}
    for actor, username in logins.items():
        clients[actor] = officer if actor == OFFICER else Client(app)  # the officer is signed in
        if actor != OFFICER:
            world.login(clients[actor], username)
    tokens = {
        actor: client.token("/account" if actor != ANON else "/login") for actor, client in clients.items()
    }
    return Scenario(ids, clients, tokens)
