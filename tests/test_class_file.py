"""The class file (一期一档): every section in one PDF and in a ZIP of CSV/XLSX files, with masked ID
numbers only, formulas neutralised, papers by hash (never a question), audited; officers only."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session
from examsvc.papers.models import Paper

from .cert_helpers import certified
from .class_helpers import person
from .helpers import Client, job_file
from .paper_helpers import pdf_text

SECTIONS = ("class", "roster", "sittings", "papers", "results", "certificates", "audit")


def _prepare(app, sitting, tablet, officer) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    certified(app, sitting, tablet, officer)
    with app.app_context():
        s = db_session()
        enrollment = s.scalars(
            select(Enrollment).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
        ).first()
        enrollment.trainee.name = "=1+1"  # as if typed by a hostile institution
        paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id))
        s.commit()
        return [str(person(i)[2]) for i in range(1, 4)], paper.content_hash


def test_the_zip_has_every_section_masked_and_safe(app, sitting, tablet, officer):
    full_ids, content_hash = _prepare(app, sitting, tablet, officer)
    answer = job_file(officer, f"/officer/files/class/{sitting.class_id}/zip", "/")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    names = {name.split("/")[-1] for name in archive.namelist()}
    assert names == {f"{s}.{ext}" for s in SECTIONS for ext in ("csv", "xlsx")}
    texts = {
        name.split("/")[-1]: archive.read(name).decode("utf-8-sig")
        for name in archive.namelist()
        if name.endswith(".csv")
    }
    everything = "".join(texts.values())
    assert not any(full in everything for full in full_ids)
    assert all(full[:6] + "********" + full[-4:] in texts["roster.csv"] for full in full_ids)
    assert "'=1+1" in texts["roster.csv"] and "\n=1+1" not in texts["roster.csv"]
    assert content_hash in texts["papers.csv"]
    assert "certificate.issue" in texts["audit.csv"] and "class.approve" in texts["audit.csv"]
    assert texts["certificates.csv"].count(",有效,") == 2 and "首考" in texts["sittings.csv"]
    with app.app_context():
        assert (
            db_session()
            .scalars(select(AuditEvent.action).where(AuditEvent.action == "class.file_export"))
            .all()
        )


def test_the_pdf_has_every_section_and_no_full_id(app, sitting, tablet, officer, tmp_path):
    full_ids, content_hash = _prepare(app, sitting, tablet, officer)
    answer = job_file(officer, f"/officer/files/class/{sitting.class_id}/pdf", "/")
    assert answer.status_code == 200 and answer.get_data().startswith(b"%PDF")
    text = pdf_text(answer.get_data(), tmp_path).replace(" ", "").replace("\n", "")
    assert "培训班次档案" in text and "学员名单" in text and "审计记录" in text
    assert content_hash[:16] in text
    assert not any(full in text for full in full_ids)


def test_only_officers_export_a_class_file(app, world, sitting, school):
    assert school.post(f"/officer/files/class/{sitting.class_id}/zip", page="/").status_code == 403
    assert Client(app).post(f"/officer/files/class/{sitting.class_id}/pdf", page="/login").status_code == 401


def test_trainee_and_employer_files(app, world, sitting, tablet, officer, school, tmp_path):
    full_ids, _ = _prepare(app, sitting, tablet, officer)
    with app.app_context():
        s = db_session()
        enrollment = s.scalars(
            select(Enrollment).where(Enrollment.class_id == sitting.class_id).order_by(Enrollment.id)
        ).all()[1]
        trainee_id, employer_id = enrollment.trainee_id, enrollment.trainee.employer_id
    archive = zipfile.ZipFile(
        io.BytesIO(job_file(officer, f"/officer/files/trainee/{trainee_id}/zip", "/").get_data())
    )
    names = {name.split("/")[-1] for name in archive.namelist()}
    assert {"trainee.csv", "classes.csv", "results.csv", "certificates.csv", "hours.csv"} <= names
    text = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist() if n.endswith(".csv"))
    assert "学员2" in text and "AQ" in text and not any(full in text for full in full_ids)
    employer = job_file(officer, f"/officer/files/employer/{employer_id}/pdf", "/")
    assert employer.status_code == 200
    employer_text = pdf_text(employer.get_data(), tmp_path).replace(" ", "")
    assert "一企一册" in employer_text and "学员2" in employer_text
    assert not any(full in employer_text for full in full_ids)
    not_an_employer = f"/officer/files/employer/{world.institution}/zip"
    assert officer.post(not_an_employer, page="/").status_code == 404
    assert school.post(f"/officer/files/trainee/{trainee_id}/zip", page="/").status_code == 403
