"""The demo gives a new user something on every screen: a sitting to check in, results to read."""

from __future__ import annotations

from sqlalchemy import select

from examsvc.classes.models import Enrollment
from examsvc.cli import main
from examsvc.db import db_session, utcnow
from examsvc.exams.attempts import may_sit
from examsvc.exams.models import Sitting, SittingProctor
from examsvc.exams.results import published_facts
from examsvc.papers.models import Paper


def test_demo_exam_day(app):
    assert app.test_cli_runner().invoke(main, ["demo", "load"]).exit_code == 0
    with app.app_context():
        s = db_session()
        by_status = {st.status: st for st in s.scalars(select(Sitting))}
        ready, done = by_status["scheduled"], by_status["published"]
        paper = s.scalar(select(Paper).where(Paper.class_id == ready.class_id))
        assert paper.released(utcnow())  # the proctors can start checking in
        assert len(s.scalars(select(SittingProctor).where(SittingProctor.sitting_id == ready.id)).all()) == 2
        roster = s.scalars(select(Enrollment).where(Enrollment.class_id == done.class_id)).all()
        retakes = [e for e in roster if may_sit(published_facts(s, e), "retake")]
        assert len(retakes) == 5  # three failed and two absent
        assert done.training_class.status == "examined"
        sealed = [p for p in s.scalars(select(Paper)) if not p.released(utcnow())]
        assert len(sealed) == 1
