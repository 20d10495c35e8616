"""The coverage dashboard: counts per stage on a constructed data set, against targets the officer sets;
bad target input loses nothing; only officers see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from examsvc.audit.models import AuditEvent
from examsvc.certificates.models import Certificate
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.oversight import coverage
from examsvc.oversight.charts import progress_chart
from examsvc.oversight.models import CoverageTarget
from examsvc.oversight.targets import read_targets

from .cert_helpers import certified
from .helpers import Client
from .paper_helpers import approved_class


@pytest.fixture
def data_set(app, world, sitting, tablet, officer):  # type: ignore[no-untyped-def]
    """Class 1 (3 people): 2 passed and certified, 1 failed. Class 2 (2 people): not examined yet,
    one of them short of hours. Both coal-mine manager classes ending in December 2026."""
    certified(app, sitting, tablet, officer)
    second = approved_class(app, world, title="第二期", people=2, first_person=10)
    with app.app_context():
        s = db_session()
        short = s.scalars(select(Enrollment).where(Enrollment.class_id == second)).first()
        s.execute(update(Enrollment).where(Enrollment.id == short.id).values(hours_completed=10))
        s.commit()
    return sitting


def _counts(app, grouping: str, year: int = 2026) -> list[coverage.Counts]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return coverage.coverage_of_year(db_session(), year)[grouping]


def test_counts_per_stage_by_industry_county_and_institution(app, data_set):
    (row,) = _counts(app, "industry")
    assert row.key == ("coal_mine", "manager")
    assert (row.enrolled, row.trained, row.examined, row.passed, row.certified) == (5, 4, 3, 2, 2)
    assert row.target is None and row.share_of_target("certified") is None
    (county,) = _counts(app, "county")
    assert county.key == ("450103",) and county.enrolled == 5 and county.certified == 2
    (school,) = _counts(app, "institution")
    assert school.key == ("测试培训学校",) and school.passed == 2
    assert _counts(app, "industry", 2025) == []


def test_a_revoked_certificate_no_longer_counts(app, data_set):
    with app.app_context():
        s = db_session()
        cert = s.scalars(select(Certificate)).first()
        cert.revoked_at, cert.revoke_reason = cert.issued_at, "测试"
        s.commit()
    (row,) = _counts(app, "industry")
    assert (row.passed, row.certified) == (2, 1)


def test_targets_set_by_the_officer_give_the_percentages(app, data_set, officer):
    page = officer.post(
        "/officer/coverage/targets?year=2026",
        {"t-coal_mine-manager": "8", "t-coal_mine-leader": "1,000", "t-machinery-team_leader": ""},
        page="/officer/coverage/?year=2026",
    )
    assert page.status_code == 302
    rows = {r.key: r for r in _counts(app, "industry")}
    assert rows[("coal_mine", "manager")].target == 8
    assert rows[("coal_mine", "manager")].share_of_target("certified") == 25  # 2 of 8
    assert rows[("coal_mine", "leader")].target == 1000 and rows[("coal_mine", "leader")].enrolled == 0
    assert ("machinery", "team_leader") not in rows
    assert coverage.total(list(rows.values())).target == 1008
    html = officer.get("/officer/coverage/?year=2026").get_data(as_text=True)
    assert 'id="coverage-chart"' in html and "25 %" in html and 'class="target-mark"' in html
    with app.app_context():
        event = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "coverage.targets")).one()
        assert event.object_id == "2026" and '"people":1008' in event.detail


def test_bad_targets_save_nothing_and_say_which_cell(app, data_set, officer):
    officer.post(
        "/officer/coverage/targets?year=2026",
        {"t-coal_mine-manager": "8"},
        page="/officer/coverage/?year=2026",
    )
    answer = officer.post(
        "/officer/coverage/targets?year=2026",
        {"t-coal_mine-manager": "9", "t-metallurgy-leader": "-3", "t-machinery-manager": "１２"},
        page="/officer/coverage/?year=2026",
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "“-3”" in html and "“１２”" in html
    with app.app_context():
        assert [t.people for t in db_session().scalars(select(CoverageTarget))] == [8]  # the old one stays


def test_only_officers_see_coverage_and_changes_need_the_csrf_token(app, world, officer, school):
    assert school.get("/officer/coverage/").status_code == 403
    assert Client(app).raw.get("/officer/coverage/").status_code == 302
    assert officer.raw.post("/officer/coverage/targets", data={"t-coal_mine-manager": "5"}).status_code == 400


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("0", True),
        ("1000000", True),
        ("1,000", True),
        ("1000001", False),
        ("1.5", False),
        ("abc", False),
        ("٣", False),
    ],
)
def test_reading_one_target(typed, ok):
    wanted, problems = read_targets({"t-coal_mine-leader": typed})
    assert bool(wanted) is ok and bool(problems) is not ok


def test_the_chart_shares_one_scale_and_marks_the_target():
    full = coverage.Counts(("a",), 10, 10, 10, 8, 6, target=20)
    half = coverage.Counts(("b",), 5, 5, 5, 5, 5)
    chart = progress_chart([("a", full), ("b", half)], width=640)
    plot = 640 - chart.label_width - 40
    assert chart.scale_max == 20
    assert [round(b.width) for b in chart.rows[0].bars] == [round(plot * v / 20) for v in (10, 8, 6)]
    assert chart.rows[0].target_x == chart.label_width + plot and chart.rows[1].target_x is None
    assert chart.rows[1].y > chart.rows[0].bars[-1].y
