"""The payment basis: trainees who completed the hours and passed, first sitting and retake apart;
exported with masked ID numbers, safe from formula injection; officers only."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select, update

from examsvc.classes.models import Enrollment, TrainingClass
from examsvc.core.db import db_session
from examsvc.exams.roster import AttemptFact
from examsvc.oversight.payment import passed_at, payable, payments_of_year

from .cert_helpers import certified


def test_passed_at_names_the_attempt_that_passed():
    assert passed_at([AttemptFact("first", "passed")]) == "first"
    assert passed_at([AttemptFact("first", "failed"), AttemptFact("retake", "passed")]) == "retake"
    assert passed_at([AttemptFact("first", "absent"), AttemptFact("retake", "failed")]) is None
    assert passed_at([]) is None


def test_payable_trainees_and_the_year_summary(app, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)  # two passed at the first sitting, one failed
    with app.app_context():
        s = db_session()
        training_class = s.get(TrainingClass, sitting.class_id)
        people = payable(s, training_class)
        assert [p.passed_at for p in people] == ["first", "first"]
        assert sorted(p.certificate_number for p in people) == sorted(c.number for c in certs)
        (summary,) = payments_of_year(s, training_class.end_date.year)
        assert (summary.first, summary.retake, summary.total) == (2, 0, 2)
        # one of them had not completed the hours after all (a correction by the institution): not paid
        short = update(Enrollment).where(Enrollment.id == people[0].enrollment.id)
        s.execute(short.values(hours_completed=3))
        s.commit()
        assert len(payable(s, training_class)) == 1
        assert payments_of_year(s, training_class.end_date.year)[0].total == 1
        assert payments_of_year(s, 2025) == []


def test_the_export_masks_ids_and_neutralises_formulas(app, sitting, tablet, officer):
    certified(app, sitting, tablet, officer)
    with app.app_context():
        s = db_session()
        trainee = (
            s.scalars(
                select(Enrollment).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
            )
            .first()
            .trainee
        )
        trainee.name = '=HYPERLINK("http://x")'
        masked_ids = [e.trainee.id_masked for e in s.scalars(select(Enrollment))]
        s.commit()
    answer = officer.get(f"/officer/coverage/payment/classes/{sitting.class_id}.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][2] == "证件号码（脱敏）" and len(rows) == 3
    assert all("*" in row[2] for row in rows[1:]) and {row[2] for row in rows[1:]} <= set(masked_ids)
    assert not any(cell.startswith("=") for row in rows for cell in row)
    workbook = officer.get(f"/officer/coverage/payment/classes/{sitting.class_id}.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.get_data())).active
    cells = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
    assert [row[2] for row in cells[1:]] == [row[2] for row in rows[1:]]  # the same masked IDs
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)  # no formula cell
    assert any(cell.endswith('=HYPERLINK("http://x")') for row in cells for cell in row)  # shown as text
    summary = officer.get("/officer/coverage/payment?year=2026&fmt=csv").get_data(as_text=True)
    assert "首考合格" in summary and ",2,0,2" in summary
    assert officer.get("/officer/coverage/payment?year=2026").status_code == 200


def test_only_officers_see_the_payment_basis(app, world, sitting, school):
    assert school.get(f"/officer/coverage/payment/classes/{sitting.class_id}.csv").status_code == 403
    assert school.get("/officer/coverage/payment").status_code == 403
