"""Officers schedule sittings and assign proctors under the rules; proctors see only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.auth.service import create_user
from examsvc.classes.models import TrainingClass
from examsvc.core.db import BEIJING, db_session, utcnow
from examsvc.exams.models import ProctorAffiliation, Sitting, SittingProctor
from examsvc.papers.models import Paper

from .class_helpers import person
from .conftest import PASSWORD
from .helpers import Client
from .paper_helpers import approved_class


@pytest.fixture
def class_id(app, world):  # type: ignore[no-untyped-def]
    cid = approved_class(app, world)
    return cid


def _local(when) -> str:  # type: ignore[no-untyped-def]
    return when.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def _schedule(client, class_id, starts, kind="first"):  # type: ignore[no-untyped-def]
    form = {
        "sitting-kind": kind,
        "sitting-venue": "南宁考场",
        "sitting-county_code": "450123",
        "sitting-starts_at": _local(starts),
        "sitting-duration_minutes": "90",
    }
    return client.post(f"/officer/classes/{class_id}/sittings", form, page=f"/officer/classes/{class_id}")


def _sitting(app, class_id, kind="first"):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(Sitting).where(Sitting.class_id == class_id, Sitting.kind == kind))


def _user_id(app, username):  # type: ignore[no-untyped-def]
    from examsvc.auth.models import User

    with app.app_context():
        return db_session().scalar(select(User.id).where(User.username == username))


def test_scheduling_moves_the_class_and_the_papers_seal(app, officer, class_id):
    """Guard: exams.service._sync_paper (a paper's release comes from its sitting, nowhere else)."""
    starts = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    officer.post(  # a start time sent with the paper (as the old form did) is not the paper's to take
        f"/officer/classes/{class_id}/papers",
        {"sitting": "first", "starts_at": _local(utcnow() - timedelta(days=1))},
        page=f"/officer/classes/{class_id}",
    )
    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == class_id))
        assert paper.release_at is None and not paper.released(utcnow() + timedelta(days=365))
    response = _schedule(officer, class_id, starts)
    sitting = _sitting(app, class_id)
    assert response.location.endswith(f"/officer/sittings/{sitting.id}/proctors")
    with app.app_context():
        assert db_session().get(TrainingClass, class_id).status == "exam_scheduled"
        paper = db_session().scalar(select(Paper).where(Paper.class_id == class_id))
        assert paper.starts_at == starts and paper.release_at == starts - timedelta(minutes=60)


def test_one_sitting_of_each_kind_and_the_retake_after_the_first(app, officer, class_id):
    starts = utcnow() + timedelta(days=3)
    first_retake = _schedule(officer, class_id, starts, kind="retake")
    assert "补考" in officer.get(first_retake.location).get_data(as_text=True)
    assert _sitting(app, class_id, "retake") is None
    _schedule(officer, class_id, starts)
    again = _schedule(officer, class_id, starts)
    assert "已有该场次" in officer.get(again.location).get_data(as_text=True)


def test_the_suggestion_is_ready_and_accepted(app, officer, class_id):
    _schedule(officer, class_id, utcnow() + timedelta(days=3))
    sitting = _sitting(app, class_id)
    page = officer.get(f"/officer/sittings/{sitting.id}/proctors").get_data(as_text=True)
    assert page.count("checked") == 2  # proctor1 and proctor2 suggested
    ids = [_user_id(app, "proctor1"), _user_id(app, "proctor2")]
    url = f"/officer/sittings/{sitting.id}/proctors"
    assert officer.post(url, {"proctors": ids}).status_code == 302
    with app.app_context():
        assigned = db_session().scalars(
            select(SittingProctor.user_id).where(SittingProctor.sitting_id == sitting.id)
        )
        assert sorted(assigned) == sorted(ids)


def test_rule_breaks_are_refused_with_the_reason(app, world, officer, class_id):
    _schedule(officer, class_id, utcnow() + timedelta(days=3))
    sitting = _sitting(app, class_id)
    url = f"/officer/sittings/{sitting.id}/proctors"
    one = [_user_id(app, "proctor1")]
    response = officer.post(url, {"proctors": one})
    assert response.status_code == 422 and "至少需要 2 名监考人员" in response.get_data(as_text=True)
    with app.app_context():  # proctor2 used to work for the class's training institution
        db_session().add(ProctorAffiliation(user_id=_user_id(app, "proctor2"), org_id=world.institution))
        db_session().commit()
    response = officer.post(url, {"proctors": one + [_user_id(app, "proctor2")]})
    assert response.status_code == 422 and "是该班次施教单位的人员" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db_session().scalars(select(SittingProctor).where(SittingProctor.sitting_id == sitting.id)).all()
            == []
        )


def test_a_proctor_cannot_sit_in_two_overlapping_sittings(app, world, officer, class_id):
    starts = utcnow() + timedelta(days=3)
    _schedule(officer, class_id, starts)
    ids = [_user_id(app, "proctor1"), _user_id(app, "proctor2")]
    officer.post(f"/officer/sittings/{_sitting(app, class_id).id}/proctors", {"proctors": ids})
    other = approved_class(app, world, title="另一个班", first_person=50)
    _schedule(officer, other, starts + timedelta(minutes=30))
    response = officer.post(f"/officer/sittings/{_sitting(app, other).id}/proctors", {"proctors": ids})
    assert response.status_code == 422 and "同一时间监考另一场考试" in response.get_data(as_text=True)


def test_proctors_see_only_their_sittings(app, world, officer, class_id):
    _schedule(officer, class_id, utcnow() + timedelta(days=3))
    sitting = _sitting(app, class_id)
    officer.post(
        f"/officer/sittings/{sitting.id}/proctors",
        {"proctors": [_user_id(app, "proctor1"), _user_id(app, "proctor2")]},
    )
    with app.app_context():
        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="proctor3",
            display_name="监考三",
            role="proctor",
            org_id=world.county,
            password=PASSWORD,
        )
        db_session().commit()
    mine = Client(app)
    mine.login("proctor1", PASSWORD)
    assert "试卷测试班" in mine.get("/proctor").get_data(as_text=True)
    page = mine.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    full_id = person(1)[2]
    assert full_id[-4:] in page and full_id not in page
    stranger = Client(app)
    stranger.login("proctor3", PASSWORD)
    assert "试卷测试班" not in stranger.get("/proctor").get_data(as_text=True)
    assert stranger.get(f"/proctor/sittings/{sitting.id}").status_code == 404
    school = Client(app)
    world.login(school, "school1")
    assert school.get(f"/proctor/sittings/{sitting.id}").status_code == 403
    assert school.get(f"/officer/sittings/{sitting.id}/proctors").status_code == 403
