"""Hostile probes of admission tickets: cancellations, guests moved between classes, moves,
reschedules, seats, retakes and the proctor's kept roster page; and the photos a retake's proctors,
or those of a sitting a candidate was moved from, may see or take. Each asserts the safe behaviour.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta

from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.auth.models import User
from examsvc.classes import photos
from examsvc.classes.models import Enrollment
from examsvc.core.db import BEIJING, db_session, utcnow
from examsvc.exams import service as sittings
from examsvc.exams.models import AdmissionTicket, Sitting
from tests.conftest import new_user_client, schedule_sitting
from tests.helpers import Client, post_sitting
from tests.hostile_photo_helpers import (
    _b64,
    _class_of_other_institution,
    _into_the_past,
    _jpeg,
    _officer_tickets,
    _photos,
    _school_tickets,
    _upload,
)
from tests.paper_helpers import approved_class
from tests.tablet_helpers import base, call, close_sitting, enrollments, enter

# ---------------------------------------------------------------- helpers


REASON = "住院，附医院证明"


def _tickets(app, sitting_id: int) -> dict[int, tuple[str, int]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db_session().scalars(select(AdmissionTicket).where(AdmissionTicket.sitting_id == sitting_id))
        return {t.enrollment_id: (t.number, t.seat_no) for t in rows}


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _move(officer, enrollment_id: int, target_id: int) -> None:  # type: ignore[no-untyped-def]
    """Through the officer's page (exams/move_views.py)."""
    path = f"/officer/enrollments/{enrollment_id}/move"
    assert officer.post(path, {"target": target_id, "reason": REASON}).status_code == 302


def _later_sitting(app, officer, class_id: int, days: int = 1):  # type: ignore[no-untyped-def]
    """The class's paper and its first sitting `days` ahead, with every proctor (through the pages)."""
    post_sitting(
        officer, class_id, app.extensions["examsvc.clock"].now() + timedelta(days=days), venue="第二考场"
    )
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.class_id == class_id))
        proctors = list(s.scalars(select(User.id).where(User.role == "proctor")))
    assert officer.post(f"/officer/sittings/{sitting.id}/proctors", {"proctors": proctors}).status_code == 302
    return sitting


# ---------------------------------------------------------------- tickets


def test_tickets_of_a_cancelled_sitting_are_neither_issued_nor_printed(app, world, officer, school) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    with app.app_context():
        s = db_session()
        sittings.cancel(
            s, SYSTEM, s.get(Sitting, sitting.id), "考场停电", app.extensions["examsvc.clock"].now()
        )
        s.commit()
    assert _officer_tickets(officer, sitting).status_code == 404
    answer = _school_tickets(school, class_id)
    assert answer.status_code == 302 and _tickets(app, sitting.id) == {}
    no_token = school.raw.post(f"/institution/classes/{class_id}/tickets/first.pdf")
    assert no_token.status_code == 400


def test_a_ticket_names_the_holder_of_this_class_only(app, world, officer) -> None:  # type: ignore[no-untyped-def]
    """A guest moved in from another institution's class sits at my class's sitting: my download
    prints my trainees only, theirs prints the guest, at my class's venue."""
    mine = approved_class(app, world, "甲班")
    theirs = _class_of_other_institution(app, world, "乙班", first_person=10)
    home = schedule_sitting(app, officer, mine, "first", started=False)
    their_sitting = _later_sitting(app, officer, theirs)
    guest = enrollments(app, their_sitting)[0]
    _move(officer, guest, home.id)
    school = Client(app)
    world.login(school, "school1")
    other_school = new_user_client(app, world, "institution", "school2", world.other_institution)
    mine_pdf = _school_tickets(school, mine)
    assert mine_pdf.status_code == 200
    text = _pdf_text(mine_pdf.data)
    assert "学员10" not in text and "另一培训学校" not in text
    assert all(f"学员{n}" in text for n in (1, 2, 3))
    theirs_pdf = _school_tickets(other_school, theirs)
    assert theirs_pdf.status_code == 200
    text = _pdf_text(theirs_pdf.data)
    assert "学员10" in text and "学员1\n" not in text and "学员2" not in text
    issued = _tickets(app, home.id)
    assert guest in issued and len(issued) == 4
    assert sorted(seat for _, seat in issued.values()) == [1, 2, 3, 4]


def test_a_candidate_moved_away_gets_no_ticket_for_the_sitting_they_left(app, world, officer, school) -> None:  # type: ignore[no-untyped-def]
    """Tickets issued, then one candidate moved to another sitting: neither the officer's nor the
    institution's download prints the old ticket again, before or after the old sitting starts."""
    home_id = approved_class(app, world, "甲班")
    other = _later_sitting(app, officer, approved_class(app, world, "乙班", people=2, first_person=4))
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    assert _officer_tickets(officer, home).status_code == 200
    sick = enrollments(app, home)[0]
    old_number = _tickets(app, home.id)[sick][0]
    _move(officer, sick, other.id)
    for started in (False, True):
        if started:
            app.extensions["examsvc.clock"].advance(timedelta(minutes=15))  # the home sitting runs
        officer_text = _pdf_text(_officer_tickets(officer, home).data)
        assert old_number not in officer_text and "学员1\n" not in officer_text, started
        school_pdf = _school_tickets(school, home_id)
        assert school_pdf.status_code == 200
        school_text = _pdf_text(school_pdf.data)
        assert old_number not in school_text, started
        assert school_text.count("学员1\n") == 1  # the new ticket, at the other sitting, once
        assert _tickets(app, other.id)[sick][0] in school_text


def test_tickets_follow_a_reschedule_and_stop_at_the_new_start(app, world, officer) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    assert _officer_tickets(officer, sitting).status_code == 200
    issued = _tickets(app, sitting.id)
    later = app.extensions["examsvc.clock"].now() + timedelta(days=2)
    with app.app_context():
        s = db_session()
        st = s.get(Sitting, sitting.id)
        now = app.extensions["examsvc.clock"].now()
        sittings.reschedule(s, SYSTEM, st, later, "考场改期", app.config["EXAMSVC"], now)
        s.commit()
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))  # the old start is past: not the new
    text = _pdf_text(_officer_tickets(officer, sitting).data)
    assert _tickets(app, sitting.id) == issued
    assert later.astimezone(BEIJING).strftime("%H:%M") in text


def test_a_ticket_seat_is_a_seat_the_paper_prints(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    """A guest moved in after the tickets were issued gets the next seat, the paper grows to it,
    and every candidate checks in at the seat on their ticket."""
    home_id = approved_class(app, world, "甲班")
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    assert _officer_tickets(officer, home).status_code == 200
    other = _later_sitting(app, officer, approved_class(app, world, "乙班", people=2, first_person=4))
    guest = enrollments(app, other)[0]
    _move(officer, guest, home.id)
    assert _officer_tickets(officer, home).status_code == 200
    issued = _tickets(app, home.id)
    assert issued[guest][1] == 4 and sorted(seat for _, seat in issued.values()) == [1, 2, 3, 4]
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    for enrollment_id, (_, seat) in issued.items():
        answer = call(
            tablet, f"{base(home, enrollment_id)}/check-in", {"presence": "present", "seat_no": seat}
        )
        assert answer.status_code == 200, answer.get_json()
    page = tablet.get(f"/proctor/sittings/{home.id}").get_data(as_text=True)
    for number, seat in issued.values():
        assert f'data-ticket="{number}" data-ticket-seat="{seat}"' in page


def test_a_ticket_seat_taken_by_another_at_check_in_is_a_clear_refusal(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    """The proctor typed one candidate in at another's ticket seat: the holder's own check-in there
    is refused with a clear 409 naming the seat, the first entry stays, and another seat works."""
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    assert _officer_tickets(officer, sitting).status_code == 200
    issued = _tickets(app, sitting.id)
    (early, (_, early_seat)), (holder, (_, holder_seat)), *_ = sorted(issued.items())
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    typo = call(tablet, f"{base(sitting, early)}/check-in", {"presence": "present", "seat_no": holder_seat})
    assert typo.status_code == 200
    refused = call(
        tablet, f"{base(sitting, holder)}/check-in", {"presence": "present", "seat_no": holder_seat}
    )
    assert refused.status_code == 409 and str(holder_seat) in refused.get_json()["message"]
    page = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    row = page.split(f'id="candidate-{early}"')[1].split("</tr>")[0]
    assert f'name="seat_no" min="1" value="{holder_seat}"' in row  # what was typed, not the ticket's
    moved = call(tablet, f"{base(sitting, holder)}/check-in", {"presence": "present", "seat_no": early_seat})
    assert moved.status_code == 200


def test_the_retake_ticket_goes_to_the_retake_roster_only(
    app, world, officer, tablet, sitting, school
) -> None:  # type: ignore[no-untyped-def]
    passed, failed, absent = enrollments(app, sitting)
    enter(app, tablet, sitting, passed, 1, right=True)
    enter(app, tablet, sitting, failed, 2, right=False)
    call(tablet, f"{base(sitting, absent)}/check-in", {"presence": "absent"})
    close_sitting(app, tablet, officer, sitting)
    assert _tickets(app, sitting.id) == {}  # after the start nothing was issued
    assert _school_tickets(school, sitting.class_id).status_code == 302  # nothing to print
    _into_the_past(app, sitting)
    retake = schedule_sitting(app, officer, sitting.class_id, "retake", started=False)
    answer = _school_tickets(school, sitting.class_id, "retake")
    assert answer.status_code == 200
    assert set(_tickets(app, retake.id)) == {failed, absent}
    text = _pdf_text(answer.data)
    assert "补考" in text and "学员1\n" not in text


# ---------------------------------------------------------------- the proctor's kept page


def test_the_kept_roster_page_shows_new_tickets_and_photos(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    first = enrollments(app, sitting)[0]
    url = f"/proctor/sittings/{sitting.id}"
    before = tablet.get(url)
    assert 'data-ticket=""' in before.get_data(as_text=True)
    assert _officer_tickets(officer, sitting).status_code == 200
    number, seat = _tickets(app, sitting.id)[first]
    again = tablet.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200 and f'data-ticket="{number}" data-ticket-seat="{seat}"' in again.get_data(
        as_text=True
    )
    school = Client(app)
    world.login(school, "school1")
    assert _upload(school, class_id, first, _jpeg()).status_code == 302
    with_photo = tablet.get(url, headers={"If-None-Match": again.headers["ETag"]})
    assert with_photo.status_code == 200
    assert f"{base(sitting, first)}/photo/roster.jpg" in with_photo.get_data(as_text=True)
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    opened = tablet.get(url)
    row = opened.get_data(as_text=True).split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert "badge" not in row  # no photo taken yet
    assert call(tablet, f"{base(sitting, first)}/photo", {"photo": _b64(_jpeg())}).status_code == 200
    taken = tablet.get(url, headers={"If-None-Match": opened.headers["ETag"]})
    assert taken.status_code == 200 and taken.headers["ETag"] != opened.headers["ETag"]
    row = taken.get_data(as_text=True).split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert 'class="badge"' in row  # "photo taken", from a new version of the kept part


# ---------------------------------------------------------------- the photos of a retake and of a move


def test_a_retakes_proctor_sees_only_the_retake_roster(app, world, officer, tablet, sitting) -> None:  # type: ignore[no-untyped-def]
    """One who passed the first sitting is not called to the retake: its proctors neither see the
    institution's photo of them nor take one (which the certificate would then print)."""
    passed, failed, absent = enrollments(app, sitting)
    with app.app_context():
        s = db_session()
        keys, now = app.extensions["examsvc.keys"], utcnow()
        photos.store(s, keys, SYSTEM, s.get(Enrollment, passed), None, _jpeg(), None, now)
        s.commit()
    enter(app, tablet, sitting, passed, 1, right=True)
    enter(app, tablet, sitting, failed, 2, right=False)
    call(tablet, f"{base(sitting, absent)}/check-in", {"presence": "absent"})
    close_sitting(app, tablet, officer, sitting)
    _into_the_past(app, sitting)
    retake = schedule_sitting(app, officer, sitting.class_id, "retake")
    assert call(tablet, f"{base(retake, failed)}/photo", {"photo": _b64(_jpeg())}).status_code == 200
    taken = call(tablet, f"{base(retake, passed)}/photo", {"photo": _b64(_jpeg(colour=(1, 2, 3)))})
    assert taken.status_code == 404
    assert tablet.get(f"{base(retake, passed)}/photo/check_in.jpg").status_code == 404
    assert tablet.get(f"{base(retake, passed)}/photo/roster.jpg").status_code == 404
    assert [(e, at) for e, at, _ in _photos(app)] == [(passed, None), (failed, retake.id)]


def test_a_moved_candidate_leaves_the_old_sittings_proctors(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    home_id = approved_class(app, world, "甲班")
    other = _later_sitting(app, officer, approved_class(app, world, "乙班", people=2, first_person=4))
    home = schedule_sitting(app, officer, home_id, "first", started=False)
    sick = enrollments(app, home)[0]
    _move(officer, sick, other.id)
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))  # the home sitting runs
    assert call(tablet, f"{base(home, sick)}/photo", {"photo": _b64(_jpeg())}).status_code == 404
    assert tablet.get(f"{base(home, sick)}/photo/roster.jpg").status_code == 404
    assert _photos(app) == []
