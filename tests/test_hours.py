"""Retraining hours: what certificates credit per year against what the law asks."""

from __future__ import annotations

import pytest

from examsvc.certificates.hours import Credit, annual_requirement, ledger

from .cert_helpers import certified


@pytest.mark.parametrize(
    ("industry", "hours"),
    [
        ("coal_mine", 16),
        ("non_coal_mine", 16),
        ("hazardous_chemicals", 16),
        ("metallurgy", 16),
        ("fireworks", 16),
        ("machinery", 12),
        ("rail_transport", 12),
        ("building_construction", 12),
    ],
)
def test_annual_requirement(industry, hours):
    assert annual_requirement(industry) == hours


def test_ledger_per_year_strictest_industry_sets_the_requirement():
    lines = ledger(
        [Credit(2025, 8, "machinery"), Credit(2026, 10, "machinery"), Credit(2026, 8, "coal_mine")]
    )
    assert [(line.year, line.credited, line.required, line.met) for line in lines] == [
        (2026, 18, 16, True),
        (2025, 8, 12, False),
    ]
    assert ledger([]) == []


def test_the_trainee_record_shows_the_ledger_and_revoked_certificates_credit_nothing(
    app, sitting, tablet, officer
):
    certs = certified(app, sitting, tablet, officer)
    page = officer.get(f"/officer/trainees/{certs[0].trainee_id}").get_data(as_text=True)
    ledger_html = page.split('class="list ledger"')[1].split("</table>")[0]
    assert "<td>24</td><td>16</td>" in ledger_html and certs[0].number in page
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    page = officer.get(f"/officer/trainees/{certs[0].trainee_id}").get_data(as_text=True)
    assert 'class="list ledger"' not in page and "已撤销" in page
