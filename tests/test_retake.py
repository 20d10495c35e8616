"""Who sits which sitting: the training hours, the one retake, "must retrain", and how results are marked."""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session, utcnow
from examsvc.exams.models import Attempt, Sitting
from examsvc.exams.roster import exam_states
from examsvc.papers.models import Paper

from .conftest import schedule_sitting
from .helpers import Client
from .tablet_helpers import base, call, close_sitting, enrollments, enter, right_answers, stored_result


def _into_the_past(app, sitting) -> None:  # type: ignore[no-untyped-def]
    """The first sitting took place yesterday, so that its proctors are free for the retake today."""
    with app.app_context():
        s = db_session()
        moved = s.get(Sitting, sitting.id)
        moved.starts_at = utcnow() - timedelta(days=1)
        moved.release_at = moved.starts_at - timedelta(hours=1)
        s.commit()


def test_the_retake_seats_only_the_failed_and_absent_and_a_second_failure_means_retraining(
    app, world, sitting, tablet, officer
):
    passed, failed, absent = enrollments(app, sitting)
    enter(app, tablet, sitting, passed, 1, right=True)
    enter(app, tablet, sitting, failed, 2, right=False)
    call(tablet, f"{base(sitting, absent)}/check-in", {"presence": "absent"})
    close_sitting(app, tablet, officer, sitting)
    _into_the_past(app, sitting)

    retake = schedule_sitting(app, officer, sitting.class_id, "retake")
    html = tablet.get(f"/proctor/sittings/{retake.id}").get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'id="candidate-(\d+)"', html)}
    assert listed == {failed, absent}  # the one who passed is not called again
    refused = call(tablet, f"{base(retake, passed)}/check-in", {"presence": "present", "seat_no": 1})
    assert refused.status_code == 409 and "补考" in refused.get_json()["message"]

    enter(app, tablet, retake, failed, 1, right=True)
    enter(app, tablet, retake, absent, 2, right=False)
    close_sitting(app, tablet, officer, retake)

    with app.app_context():
        s = db_session()
        states = exam_states(s, s.get(Sitting, sitting.id).training_class)
        per_enrollment = s.scalars(select(func.count()).select_from(Attempt).group_by(Attempt.enrollment_id))
        most = max(per_enrollment)
    assert states == {passed: "passed", failed: "passed", absent: "must_retrain"}
    assert most == 2
    school = Client(app)
    world.login(school, "school1")
    page = school.get(f"/institution/classes/{sitting.class_id}").get_data(as_text=True)
    numbers = page.split('class="exam-states"')[1].split("</p>")[0]
    # passed, retake pending, must retrain, awaiting the exam
    assert re.findall(r": (\d+)</span>", numbers) == ["2", "0", "1", "0"]
    assert "须重新培训" in numbers


def test_the_database_refuses_a_third_attempt(app, world, sitting, tablet):
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    with app.app_context():
        s = db_session()
        s.add(Attempt(enrollment_id=first, sitting_id=sitting.id, kind="first", presence="absent"))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
        s.add(Attempt(enrollment_id=first, sitting_id=sitting.id, kind="third", presence="absent"))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_a_trainee_short_of_hours_is_not_seated(app, sitting, tablet):
    short = enrollments(app, sitting)[0]
    with app.app_context():
        db_session().get(Enrollment, short).hours_completed = 3
        db_session().commit()
    html = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert f'id="candidate-{short}"' not in html
    refused = call(tablet, f"{base(sitting, short)}/check-in", {"presence": "present", "seat_no": 1})
    assert refused.status_code == 409 and "学时" in refused.get_json()["message"]


def _score(tablet, sitting, enrollment_id, version, score):  # type: ignore[no-untyped-def]
    body = {"score": score, "version": version, "idempotency_key": secrets.token_hex(16)}
    return call(tablet, f"{base(sitting, enrollment_id)}/result", body)


def test_a_sitting_marked_by_hand_takes_totals(app, world, tablet, officer):
    from .paper_helpers import approved_class

    st = schedule_sitting(app, officer, approved_class(app, world), "first", marking="score")
    first, second, _ = enrollments(app, st)
    version = call(tablet, f"{base(st, first)}/check-in", {"presence": "present", "seat_no": 1}).get_json()
    for bad in ("101", "abc", "-3", "80.25", ""):
        answer = _score(tablet, st, first, version["version"], bad)
        assert answer.status_code == 422 and "0" in answer.get_json()["message"], bad
    assert _score(tablet, st, first, version["version"], "85.5").status_code == 200
    assert stored_result(app, st, first) == (85.5, True)
    version = call(tablet, f"{base(st, second)}/check-in", {"presence": "present", "seat_no": 2}).get_json()
    assert _score(tablet, st, second, version["version"], "79．5").status_code == 200
    assert stored_result(app, st, second) == (79.5, False)
    with app.app_context():
        stored = db_session().scalars(select(Attempt).where(Attempt.sitting_id == st.id)).all()
    assert sorted(a.score_tenths for a in stored) == [795, 855] and all(a.answers is None for a in stored)
    page = tablet.get(f"/proctor/sittings/{st.id}").get_data(as_text=True)
    assert 'name="score"' in page and 'name="answers"' not in page


@pytest.mark.parametrize(("percent", "lost_each"), [(0, 2.0), (50, 1.0)])
def test_partial_credit_follows_the_blueprint(app, sitting, tablet, percent, lost_each):
    with app.app_context():
        s = db_session()
        paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id))
        paper.spec = json.dumps({**json.loads(paper.spec), "partial_credit_percent": percent})
        s.commit()
    first = enrollments(app, sitting)[0]
    version = call(
        tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1}
    ).get_json()
    right = right_answers(app, sitting, 1).split()
    # Drop one letter from each multiple-choice answer: right letters, not all of them.
    cut = [a[:-1] if len(a) > 1 else a for a in right]
    shortened = sum(1 for a, b in zip(right, cut, strict=True) if a != b)
    body = {"answers": " ".join(cut), "version": version["version"], "idempotency_key": secrets.token_hex(16)}
    assert call(tablet, f"{base(sitting, first)}/result", body).status_code == 200
    score, _ = stored_result(app, sitting, first)
    assert shortened > 0 and score == pytest.approx(100 - lost_each * shortened)
