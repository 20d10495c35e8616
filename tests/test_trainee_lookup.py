"""The trainee's own view (/lookup) and the result sheets (成绩单): the right three facts open one
person's record for 15 minutes; every wrong combination gets the same page; both limits count before
anything is matched; the audit trail and the PDFs never hold a full ID number."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM
from examsvc.certificates.models import Certificate
from examsvc.classes.models import Enrollment
from examsvc.core.db import BEIJING, db_session
from examsvc.core.identity import make_id_number
from examsvc.exams.models import Sitting
from examsvc.exams.tickets import issue
from examsvc.lookup.matching import same_name

from .class_helpers import person
from .conftest import new_user_client, schedule_sitting
from .helpers import Client
from .paper_helpers import approved_class, pdf_text
from .tablet_helpers import close_sitting, enter
from .test_retake import _into_the_past

FULL_ID = re.compile(r"\d{17}[\dX]")
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    ticket: str
    ticket_id: int
    seat: int
    certificate: str | None


@dataclass(frozen=True)
class Scene:
    class_id: int
    sitting_id: int
    people: list[Person]  # passed, passed, failed (学员1..3)


@pytest.fixture
def scene(app, world, officer, tablet) -> Scene:  # type: ignore[no-untyped-def]
    """Three trainees ticketed before the start, seated where their tickets say; two pass, one fails."""
    clock = app.extensions["examsvc.clock"]
    class_id = approved_class(app, world, people=3)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    with app.app_context():
        s = db_session()
        issued = issue(s, SYSTEM, s.get(Sitting, sitting.id), clock.now())
        s.commit()
        tickets = {t.enrollment_id: (t.number, t.id, t.seat_no) for t in issued}
    clock.advance(timedelta(minutes=15))
    order = sorted(tickets)
    for enrollment_id, right in zip(order, (True, True, False), strict=True):
        enter(app, tablet, sitting, enrollment_id, tickets[enrollment_id][2], right=right)
    close_sitting(app, tablet, officer, sitting)
    with app.app_context():
        s = db_session()
        certs = {c.enrollment_id: c.number for c in s.scalars(select(Certificate))}
        people = []
        for enrollment_id in order:
            name = s.get(Enrollment, enrollment_id).trainee.name
            number, ticket_id, seat = tickets[enrollment_id]
            id_number = person(int(name.removeprefix("学员")))[2]
            people.append(Person(name, id_number, number, ticket_id, seat, certs.get(enrollment_id)))
    return Scene(class_id, sitting.id, people)


def _form(who: Person, factor: str | None = None, **changes: str) -> dict[str, str]:
    form = {
        "id_type": "id_card",
        "id_number": who.id_number,
        "name": who.name,
        "factor": factor or who.ticket,
    }
    return {**form, **changes}


def _lookup(client: Client, form: dict[str, str], address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/lookup", form, environ_base={"REMOTE_ADDR": address})


def _attempts(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "lookup.attempt"))
        return [json.loads(e.detail) for e in rows]


def _opened(client: Client, who: Person, factor: str | None = None) -> str:
    response = _lookup(client, _form(who, factor))
    assert response.status_code == 302 and response.location.endswith("/lookup/me")
    page = client.get("/lookup/me")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_ticket_number_opens_the_record(app, client, scene):  # type: ignore[no-untyped-def]
    passed = scene.people[0]
    typed = passed.ticket.lower()[:6] + " " + passed.ticket.lower()[6:]  # as typed on a phone
    html = _opened(client, passed, typed)
    for shown in (
        passed.name,
        passed.ticket,
        "考场",
        "100",
        passed.certificate,
        f'class="seat">{passed.seat}<',
    ):
        assert shown in html, shown
    assert passed.id_number[:6] + "********" + passed.id_number[-4:] in html
    assert passed.id_number not in html and not FULL_ID.search(html)
    assert scene.people[1].name not in html and scene.people[1].ticket not in html  # nobody else
    headers = client.get("/lookup/me").headers
    assert headers["Cache-Control"] == "no-store" and "noindex" in headers["X-Robots-Tag"]
    assert _attempts(app)[-1]["matched"] is True


def test_the_certificate_number_opens_it_too_and_names_are_forgiving(client, scene):  # type: ignore[no-untyped-def]
    second = scene.people[1]
    response = _lookup(
        client, _form(second, second.certificate.lower(), name=f" {second.name[:1]} {second.name[1:]}")
    )
    assert response.status_code == 302
    assert second.certificate in client.get("/lookup/me").get_data(as_text=True)


def test_a_failed_trainee_sees_the_retake_and_its_date(app, officer, scene):  # type: ignore[no-untyped-def]
    _into_the_past(app, SimpleNamespace(id=scene.sitting_id))  # its proctors are free for the retake
    retake = schedule_sitting(app, officer, scene.class_id, "retake", venue="补考考场", started=False)
    html = _opened(Client(app), scene.people[2])
    assert "补考考场" in html and 'class="retake"' in html
    with app.app_context():
        starts = db_session().get(Sitting, retake.id).starts_at
    assert starts.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") in html.split('class="retake"')[1]


def _same(body: bytes) -> str:
    return CSRF.sub(r'\1-"', body.decode())


def test_every_wrong_combination_gets_the_same_page(app, client, scene):  # type: ignore[no-untyped-def]
    first, second, _ = scene.people
    stranger = make_id_number("450103", date(1990, 5, 5), 777)
    wrong = [
        _form(first, id_number=stranger),  # an ID number nobody enrolled with
        _form(first, name="学员9"),  # the right ID number, another name
        _form(first, factor="ZK0000000000"),  # ID and name right, a factor that does not exist
        _form(first, factor=second.ticket),  # another trainee's ticket
        _form(first, factor=second.certificate),  # another trainee's certificate
        _form(first, id_number=first.id_number[:17]),  # malformed: 17 characters
        _form(first, id_number=first.id_number[:17] + "0"),  # malformed: wrong check character
        _form(first, id_type="passport"),  # the right number as another kind of document
        _form(first, id_type="no-such-type"),
        _form(first, name=first.name + "x" * 200),  # longer than any name
        _form(second, factor=first.ticket, name=first.name),  # a mix of two people
    ]
    answers = [_lookup(client, form) for form in wrong]
    assert {a.status_code for a in answers} == {200}
    bodies = {_same(a.data) for a in answers}
    assert len(bodies) == 1, "a wrong combination told something the others did not"
    assert 'id="lookup-missed"' in bodies.pop()
    assert client.get("/lookup/me").status_code == 302  # nothing opened
    details = _attempts(app)
    assert len(details) == len(wrong) and not any(d["matched"] for d in details)
    assert first.name not in answers[1].get_data(as_text=True)  # what was typed is not echoed


@pytest.mark.parametrize(
    ("typed", "registered", "same"),
    [
        ("王伟", "王伟", True),
        (" 王 伟 ", "王伟", True),
        ("ＷＡＮＧ　Ｗｅｉ", "wang wei", True),  # full-width letters and space
        ("阿卜杜・热合曼", "阿卜杜·热合曼", True),  # another middle dot
        ("王伟", "王玮", False),
        ("王伟", "", False),
    ],
)
def test_names_are_compared_as_people_type_them(typed: str, registered: str, same: bool) -> None:
    assert same_name(typed, registered) is same


def _limits(app, per_hour: int, per_person: int) -> None:  # type: ignore[no-untyped-def]
    app.config["EXAMSVC"] = app.config["EXAMSVC"].with_overrides(
        {"lookup_limit_per_hour": per_hour, "lookup_limit_per_person_per_day": per_person}
    )


def test_each_address_is_limited_before_anything_is_matched(app, client, scene):  # type: ignore[no-untyped-def]
    _limits(app, 3, 100)
    first = scene.people[0]
    for n in range(3):
        stranger = make_id_number("450103", date(1990, 5, 5), 700 + n)
        assert _lookup(client, _form(first, id_number=stranger), "10.1.1.1").status_code == 200
    refused = _lookup(client, _form(first), "10.1.1.1")  # the right facts, past the limit
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert 'id="lookup-limited"' in refused.get_data(as_text=True)
    assert len(_attempts(app)) == 3  # not matched, not audited
    assert client.get("/lookup/me").status_code == 302
    assert _lookup(client, _form(first), "10.1.1.2").status_code == 302  # another address


def test_each_person_is_limited_from_any_address(app, client, scene):  # type: ignore[no-untyped-def]
    _limits(app, 100, 2)
    first = scene.people[0]
    for n in range(2):  # a distributed guess of the second factor
        assert _lookup(client, _form(first, factor=f"ZK000000000{n}"), f"10.2.0.{n}").status_code == 200
    refused = _lookup(client, _form(first), "10.2.0.9")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 86400
    assert client.get("/lookup/me").status_code == 302
    assert _lookup(client, _form(scene.people[1]), "10.2.0.9").status_code == 302  # someone else


def test_the_audit_trail_never_holds_the_id_number(app, client, scene):  # type: ignore[no-untyped-def]
    first = scene.people[0]
    _lookup(client, _form(first, factor="ZK0000000000"))
    _lookup(client, _form(first))
    with app.app_context():
        rows = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "lookup.attempt")).all()
        everything = " ".join(f"{e.object_type} {e.object_id} {e.detail}" for e in rows)
        whole_trail = " ".join(db_session().scalars(select(AuditEvent.detail)))
    assert [json.loads(e.detail)["matched"] for e in rows] == [False, True]
    assert first.id_number not in whole_trail and first.id_number not in everything
    assert first.id_number[-4:] not in everything and first.name not in everything
    assert all(len(json.loads(e.detail)["id_hash"]) == 8 for e in rows)


def test_the_view_closes_after_15_minutes_or_on_leaving(app, client, scene):  # type: ignore[no-untyped-def]
    clock = app.extensions["examsvc.clock"]
    _opened(client, scene.people[0])
    clock.advance(timedelta(minutes=14))
    assert client.get("/lookup/me").status_code == 200
    clock.advance(timedelta(minutes=1, seconds=1))
    gone = client.get("/lookup/me")
    assert gone.status_code == 302 and gone.location.endswith("/lookup")
    assert client.get("/lookup/me/results.pdf").status_code == 302
    _opened(client, scene.people[0])
    assert client.raw.post("/lookup/leave").status_code == 400  # CSRF: a page elsewhere cannot close it
    assert client.post("/lookup/leave", page="/lookup/me").status_code == 302
    assert client.get("/lookup/me").status_code == 302
    _opened(client, scene.people[0])
    assert _lookup(client, _form(scene.people[1], factor="ZK0000000000")).status_code == 200
    assert client.get("/lookup/me").status_code == 302  # a new look-up, even a miss, closes the old


def test_the_form_needs_its_csrf_token(app, client, scene):  # type: ignore[no-untyped-def]
    refused = client.raw.post("/lookup", data=_form(scene.people[0]))
    assert refused.status_code == 400 and _attempts(app) == []
    assert client.get("/lookup/me").status_code == 302


def test_a_ticket_downloads_for_its_holder_only(app, client, scene, tmp_path):  # type: ignore[no-untyped-def]
    first, second, _ = scene.people
    assert client.get(f"/lookup/me/tickets/{first.ticket_id}.pdf").status_code == 302  # not looked up
    html = _opened(client, first)
    assert f"/lookup/me/tickets/{first.ticket_id}.pdf" in html
    response = client.get(f"/lookup/me/tickets/{first.ticket_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "准考证" in text and first.ticket in text and first.name in text
    assert first.id_number not in text and not FULL_ID.search(text)
    assert client.get(f"/lookup/me/tickets/{second.ticket_id}.pdf").status_code == 404
    assert client.get("/lookup/me/tickets/999999.pdf").status_code == 404


def test_the_trainees_result_sheet(client, scene, tmp_path):  # type: ignore[no-untyped-def]
    first = scene.people[0]
    _opened(client, first)
    response = client.get("/lookup/me/results.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data, tmp_path)
    for shown in ("个人考试成绩单", first.name, "首考", "100", "合格", first.certificate, "有效"):
        assert shown in text, shown
    assert first.id_number not in text and not FULL_ID.search(text)
    assert scene.people[1].name not in text


def test_the_class_result_sheets(app, world, officer, school, scene, tmp_path):  # type: ignore[no-untyped-def]
    assert "class-results-pdf" in officer.get(f"/officer/classes/{scene.class_id}").get_data(as_text=True)
    bureau = officer.get(f"/officer/classes/{scene.class_id}/results.pdf")
    assert bureau.status_code == 200 and bureau.mimetype == "application/pdf"
    text = pdf_text(bureau.data, tmp_path)
    for who in scene.people:
        assert who.name in text and who.id_number[-4:] in text and who.id_number not in text
    assert scene.people[0].certificate in text and "不合格" in text and not FULL_ID.search(text)

    assert "class-results-pdf" in school.get(f"/institution/classes/{scene.class_id}").get_data(as_text=True)
    own = school.get(f"/institution/classes/{scene.class_id}/results.pdf")
    assert own.status_code == 200
    summary = pdf_text(own.data, tmp_path)
    assert "班次考试成绩汇总" in summary and "首考" in summary
    for who in scene.people:  # numbers only: nobody's name, ID or certificate
        assert who.name not in summary and who.id_number[-4:] not in summary
        assert who.certificate is None or who.certificate not in summary
    other = new_user_client(app, world, "institution", "school2", world.other_institution)
    assert other.get(f"/institution/classes/{scene.class_id}/results.pdf").status_code == 404
    assert school.get(f"/officer/classes/{scene.class_id}/results.pdf").status_code == 403
    assert officer.get(f"/institution/classes/{scene.class_id}/results.pdf").status_code == 403
    assert officer.get("/officer/classes/999999/results.pdf").status_code == 404


def test_the_certificate_check_links_to_the_lookup(client):  # type: ignore[no-untyped-def]
    assert 'href="/lookup"' in client.get("/verify").get_data(as_text=True)
    page = client.get("/lookup")
    assert page.status_code == 200 and "noindex" in page.headers["X-Robots-Tag"]
    assert 'selected value="id_card"' in page.get_data(as_text=True)  # 居民身份证 unless chosen otherwise


def test_a_blank_field_looks_nothing_up_and_counts_nothing(app, client, scene):  # type: ignore[no-untyped-def]
    _limits(app, 1, 1)
    assert (
        _lookup(client, {"id_type": "id_card", "id_number": "", "name": "", "factor": ""}).status_code == 200
    )
    assert _lookup(client, _form(scene.people[0])).status_code == 302
    assert len(_attempts(app)) == 1
