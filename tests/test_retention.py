"""Retention: personal data past the period is listed, and anonymised only on confirmation; counts and
statistics stay; a holder's old token says expired; someone with a recent class is kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from examsvc.audit.service import verify as verify_chain
from examsvc.certificates.models import Certificate
from examsvc.classes.models import Enrollment, TrainingClass
from examsvc.cli import main
from examsvc.core.config import Config, ConfigError
from examsvc.core.db import db_session
from examsvc.exams.models import Attempt
from examsvc.oversight import coverage
from examsvc.trainees.models import Trainee

from .cert_helpers import api, certified
from .class_helpers import person
from .paper_helpers import approved_class


def _age_class(app, class_id: int) -> None:  # type: ignore[no-untyped-def]
    """As if the class had ended in 2019."""
    with app.app_context():
        s = db_session()
        s.execute(
            update(TrainingClass)
            .where(TrainingClass.id == class_id)
            .values(start_date=date(2019, 5, 1), end_date=date(2019, 5, 5))
        )
        s.commit()


def _counts(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        return tuple(
            s.scalar(select(func.count()).select_from(m)) for m in (Trainee, Enrollment, Attempt, Certificate)
        )


def test_old_personal_data_is_listed_then_anonymised_and_statistics_stay(
    app, world, client, sitting, tablet, officer
):
    certs = certified(app, sitting, tablet, officer)
    recent = approved_class(app, world, title="新一期", people=1, first_person=1)  # person 1 trains again
    _age_class(app, sitting.class_id)
    before, stats_2019 = _counts(app), None
    with app.app_context():
        stats_2019 = coverage.coverage_of_year(db_session(), 2019)["industry"]
    runner = app.test_cli_runner()
    listed = runner.invoke(main, ["retention"])
    assert (
        listed.exit_code == 0
        and "2 trainee(s)" in listed.output
        and "1 certificate token(s)" in listed.output
    )
    with app.app_context():  # each one listed by number and masked ID, never the full number
        listed_people = [
            (t.id, t.id_masked)
            for t in db_session().scalars(select(Trainee).where(Trainee.name.in_(["学员2", "学员3"])))
        ]
    for number, masked in listed_people:
        assert f"trainee {number:>8}  {masked}  last class ended 2019-05-05" in listed.output
    assert "学员1" not in listed.output and person(2)[2] not in listed.output
    declined = runner.invoke(main, ["retention", "--apply"], input="n\n")
    assert declined.exit_code != 0
    with app.app_context():
        assert (
            db_session().scalar(select(func.count()).select_from(Trainee).where(Trainee.name == "（已匿名）"))
            == 0
        )
    done = runner.invoke(main, ["retention", "--apply", "--yes"])
    assert done.exit_code == 0, done.output
    assert _counts(app) == before
    with app.app_context():
        s = db_session()
        assert coverage.coverage_of_year(s, 2019)["industry"] == stats_2019
        names = s.scalars(select(Trainee.name).order_by(Trainee.id)).all()
        assert names.count("（已匿名）") == 2 and "学员1" in names  # kept: a class of 2026 too
        recent_people = s.scalars(select(Enrollment.trainee_id).where(Enrollment.class_id == recent)).all()
        tokens = {c.trainee_id: c.token for c in s.scalars(select(Certificate))}
        assert verify_chain(s).ok
    kept = [c for c in certs if c.trainee_id in recent_people]
    gone = [c for c in certs if c.trainee_id not in recent_people]
    assert all(tokens[c.trainee_id] == c.token for c in kept) and all(
        tokens[c.trainee_id] == "" for c in gone
    )
    assert api(client, {"token": gone[0].token}).get_json()["status"] == "expired"
    again = runner.invoke(main, ["retention"])
    assert "0 trainee(s)" in again.output


def test_retention_cannot_be_shorter_than_a_certificate_lives():
    with pytest.raises(ConfigError, match="RETENTION"):
        Config(env="testing", retention_years=2, cert_valid_years=3).check()
