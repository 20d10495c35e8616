"""The hostile values of tests/test_hostile_input.py and the scenario that types each one through the
app's routes, by the role that would type it: organisation and user names (admin), a class, its
roster and its return (institution, officer), a question, a sitting and an exam, then a revocation, a
correction, a suspension and a bad coverage target (officer)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from examsvc.auth.models import User
from examsvc.core.db import db_session
from examsvc.papers.models import Paper
from examsvc.questions.cipher import BankCipher
from examsvc.questions.models import QuestionVersion
from examsvc.questions.service import current_versions_query
from examsvc.trainees.models import Trainee

from .class_helpers import person
from .conftest import PASSWORD, World, schedule_sitting, second_officer_client
from .helpers import Client
from .hostile_helpers import (
    approve,
    attempt_of,
    hold_exam,
    register_class,
    submit,
    upload_roster,
)
from .paper_helpers import import_bank
from .tablet_helpers import correct


def meta(tag: str) -> str:
    """Unescaped in the HTML, pdfkit turns this tag into wkhtmltopdf's `--orientation Landscape`."""
    return f'<meta name="pdfkit-orientation" content="Landscape" id="{tag}">'


# What each field receives. Each value holds a live tag or an attribute breakout; most also start with
# a formula character. Values that reach the audit trail's JSON avoid double quotes (JSON prints \").
HOSTILE = {
    "bureau": meta("bureau") + "应急管理局",  # on every PDF
    "institution": '-2+3+cmd|" /C calc"!A0<b id="institution">培训学校</b>',
    "school_user": '<script>alert("school user")</script>',
    "title": '=HYPERLINK("http://evil.example","班")<script>alert("title")</script>',
    "venue": '\t+1+1"><img src=x onerror=alert("venue")>',  # forms keep a leading tab
    "employer": '@SUM(1+1)*cmd|" /C calc"!A0<i id="employer">矿业</i>',
    "name1": '<script>alert("name1")</script>',
    "name2": meta("n2"),  # at most 60 characters
    "name3": '=1+1"><svg onload=alert(3)>',
    "sitting_venue": "-1+1<script>alert('sitting venue')</script>",
    "proctor": '"><img src=x onerror=alert("proctor")>',
    "confirmer": "@cmd<svg onload=alert('confirmer')>",
    "return": "<script>alert('return')</script>",
    "revoke": "=HYPERLINK('http://evil.example')<script>alert('revoke')</script>",
    "correction": "-cmd<script>alert('correction')</script>",
    "suspension": "\"><script>alert('suspension')</script>",
    "stem": "<script>alert('stem')</script>" + meta("stem"),
    "option": '<img src=x onerror=alert("option")>',
    "explanation": "<script>alert('explanation')</script>",
    "id_type": '<script>alert("id type")</script>',
    "target": '"><script>x</script>',  # the page quotes the first 20 characters of a bad target
    "audit_search": '"><script>alert("search")</script>',
}
CONFIRMER_USERNAME = "-2-3"  # user names allow '-': in a spreadsheet, a formula that gives -5


def hostile_rows() -> list[list[object]]:
    names = [HOSTILE["name1"], HOSTILE["name2"], HOSTILE["name3"]]
    return [person(80 + i, name=n, employer=HOSTILE["employer"], hours=24) for i, n in enumerate(names)]


def build(app) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """Every hostile value typed in; what the tests read (clients, ids, the pages that answered)."""
    sc = SimpleNamespace(app=app, world=World(app), pages={})
    _admin_types(sc)
    _class_and_exam_are_typed(sc)
    _officer_types_after_the_exam(sc)
    return sc


def _admin_types(sc) -> None:  # type: ignore[no-untyped-def]
    """Organisation names, display names and a user name."""
    world, sc.admin = sc.world, Client(sc.app)
    world.login(sc.admin, "admin1")  # once: a TOTP code signs in once
    with sc.app.app_context():
        user_ids = {u.username: u.id for u in db_session().scalars(select(User))}
    org = {"county_code": "450123", "active": "y"}
    for org_id, name, code in (
        (world.bureau, HOSTILE["bureau"], "450100"),
        (world.institution, HOSTILE["institution"], "91450100MA5TEAM01C"),
    ):
        assert sc.admin.post(f"/admin/orgs/{org_id}", {"name": name, "code": code, **org}).status_code == 302
    for username, name, role, org_id in (
        ("proctor1", HOSTILE["proctor"], "proctor", world.county),
        ("school1", HOSTILE["school_user"], "institution", world.institution),
    ):
        form = {"display_name": name, "role": role, "org_id": org_id, "active": "y"}
        assert sc.admin.post(f"/admin/users/{user_ids[username]}", form).status_code == 302
    confirmer = {"username": CONFIRMER_USERNAME, "display_name": HOSTILE["confirmer"], "role": "proctor"}
    confirmer |= {"org_id": world.county, "password": PASSWORD}
    assert sc.admin.post("/admin/users/new", confirmer).status_code == 302


def _class_and_exam_are_typed(sc) -> None:  # type: ignore[no-untyped-def]
    """The institution's class and roster, returned once; a question; the sitting; the exam."""
    app, sc.officer, sc.school = sc.app, Client(sc.app), Client(sc.app)
    sc.world.login(sc.school, "school1")
    sc.world.login(sc.officer, "officer1")
    import_bank(app)
    sc.class_id = register_class(sc.school, hostile_rows(), title=HOSTILE["title"], venue=HOSTILE["venue"])
    bad_type = [person(90, type=HOSTILE["id_type"])]  # the 422 page quotes the unknown document type
    sc.pages["rejected roster"] = upload_roster(sc.school, sc.class_id, bad_type, expect=422)
    submit(sc.school, sc.class_id)
    page = f"/officer/classes/{sc.class_id}"
    assert sc.officer.post(f"{page}/return", {"reason": HOSTILE["return"]}, page=page).status_code == 302
    sc.pages["returned class"] = sc.school.get(f"/institution/classes/{sc.class_id}")
    submit(sc.school, sc.class_id)
    approve(sc.officer, sc.class_id)
    sc.question_id = _edit_a_question(app, sc.officer)
    sc.second = _a_second_officer_approves(app, sc.world, sc.question_id)
    sitting = schedule_sitting(app, sc.officer, sc.class_id, "first", venue=HOSTILE["sitting_venue"])
    _as_if_the_edited_question_was_drawn(app, sc.class_id)
    sc.tablet, confirmer = Client(app), Client(app)
    sc.tablet.login("proctor1", PASSWORD)
    confirmer.login(CONFIRMER_USERNAME, PASSWORD)
    sc.exam = hold_exam(app, sc.officer, sc.tablet, confirmer, sitting, [True, True, False])
    sc.sitting_id = sitting.id
    with app.app_context():
        s = db_session()
        sc.trainee_ids = list(s.scalars(select(Trainee.id).order_by(Trainee.id)))
        sc.employer_id = s.scalar(select(Trainee.employer_id).where(Trainee.id == sc.trainee_ids[0]))
        sc.paper_id = s.scalar(select(Paper.id).where(Paper.class_id == sc.class_id))


def _officer_types_after_the_exam(sc) -> None:  # type: ignore[no-untyped-def]
    """A revocation, a correction, a suspension (each with its reason) and a bad coverage target."""
    officer, sitting = sc.officer, sc.exam.sitting
    revoked, kept = sc.exam.certificates  # name1's and name2's (name3 failed)
    sc.valid_token = kept.token
    reason = {"reason": HOSTILE["revoke"]}
    page = f"/officer/classes/{sc.class_id}"
    assert officer.post(f"/officer/certificates/{revoked.id}/revoke", reason, page=page).status_code == 302
    failed = attempt_of(sc.app, sitting, sc.exam.enrollments[2])
    correction = {"presence": "absent", "reason": HOSTILE["correction"]}
    correct(sc.app, officer, sc.second, sitting, failed, correction)
    suspension = {"reason": HOSTILE["suspension"], "ends_on": "2029-12-31"}
    suspend = f"/officer/institutions/{sc.world.other_institution}/suspend"
    assert officer.post(suspend, suspension, page="/officer/institutions/").status_code == 302
    targets = {"t-coal_mine-manager": HOSTILE["target"]}
    sc.pages["bad target"] = officer.post(
        "/officer/coverage/targets?year=2026", targets, page="/officer/coverage/"
    )


def _edit_a_question(app, officer) -> int:  # type: ignore[no-untyped-def]
    """An officer rewrites a single-choice question with hostile stem, option and explanation."""
    with app.app_context():
        question, version = (
            db_session()
            .execute(current_versions_query().where(QuestionVersion.type == "single").limit(1))
            .one()
        )
        categories = [c for c in ("leader", "manager", "team_leader") if getattr(version, f"for_{c}")]
        form = {"type": "single", "topic": version.topic, "industry": version.industry}
        form |= {"categories": categories, "difficulty": str(version.difficulty), "answer": "B"}
    form |= {"stem": HOSTILE["stem"], "explanation": HOSTILE["explanation"], "source": "《安全生产法》第五条"}
    form |= {"option_a": HOSTILE["option"], "option_b": "乙", "option_c": "丙", "option_d": "丁"}
    saved = officer.post(f"/bank/questions/{question.id}/edit", form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    return question.id


def _a_second_officer_approves(app, world, question_id: int) -> Client:  # type: ignore[no-untyped-def]
    """The edit waits for another officer (four eyes); approved, it is the version pages show."""
    with app.app_context():
        waiting = db_session().scalar(
            select(QuestionVersion.id).where(
                QuestionVersion.question_id == question_id, QuestionVersion.review == "pending"
            )
        )
    approver = second_officer_client(app, world)
    assert approver.post(f"/bank/review/versions/{waiting}/approve", {}).status_code == 302
    return approver


def _as_if_the_edited_question_was_drawn(app, class_id: int) -> None:  # type: ignore[no-untyped-def]
    """Assembly draws at random from 782 questions, so the paper is re-sealed with the edited
    question's texts in its first question (stem and first option), as if it had been drawn."""
    with app.app_context():
        s = db_session()
        paper = s.scalar(select(Paper).where(Paper.class_id == class_id))
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        aad = f"examsvc-paper:{class_id}:first".encode()
        payload = cipher.open_blob(paper.content, aad)
        first = next(q for q in payload["questions"] if q.get("options"))
        first["stem"] = HOSTILE["stem"]
        first["options"]["A"] = HOSTILE["option"]
        paper.content = cipher.seal_blob(payload, aad)
        s.commit()
