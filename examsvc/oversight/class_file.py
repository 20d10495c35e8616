"""The bureau's files as sections of rows, rendered as one PDF or a ZIP of CSV and XLSX files.

The class file (一期一档): everything the bureau keeps about one class — roster (masked), schedule,
sittings and proctors, papers (metadata and hashes, never a question), attendance and results,
certificates, and the audit events of the class — as one PDF and as a ZIP of CSV and XLSX files.
No full ID number anywhere; every spreadsheet cell is safe from formula injection."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from flask import render_template
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEvent
from ..certificates.models import Certificate
from ..classes.enrol import eligible
from ..classes.models import Enrollment, TrainingClass
from ..classes.roster import csv_bytes, xlsx_bytes
from ..core.pdf import render_pdf
from ..exams.models import Attempt, Sitting, SittingProctor
from ..exams.roster import exam_states
from ..papers.models import Paper
from ..web.i18n import local_time
from ..web.labels import SITTING_KIND_ZH, code_label

PRESENCE = {"present": "到场", "absent": "缺考", "refused": "身份核验未通过"}
SITTING_STATUS = {"scheduled": "已安排", "locked": "已锁定", "published": "已公布"}


CERT_HEADER = ["证书编号", "学时", "年度", "签发时间", "有效期至", "状态", "撤销原因"]


def certificate_row(cert: Certificate) -> list[object]:
    """A certificate as every file lists it (CERT_HEADER's columns)."""
    status = "已撤销" if cert.revoked_at else "有效"
    return [
        cert.number,
        cert.hours,
        cert.credit_year,
        local_time(cert.issued_at),
        local_time(cert.expires_at),
        status,
        cert.revoke_reason or "",
    ]


@dataclass(frozen=True)
class Section:
    name: str  # file name in the ZIP
    title: str  # heading in the PDF and sheet title
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)


def _sittings(session: Session, c: TrainingClass) -> tuple[list[Sitting], Section]:
    sittings = session.scalars(
        select(Sitting).where(Sitting.class_id == c.id).order_by(Sitting.starts_at)
    ).all()
    section = Section(
        "sittings",
        "考试场次 Sittings",
        ["场次", "类型", "开始时间", "时长（分钟）", "考点", "阅卷方式", "状态", "监考"],
    )
    for s in sittings:
        proctors = session.scalars(select(SittingProctor).where(SittingProctor.sitting_id == s.id)).all()
        kind = SITTING_KIND_ZH[s.kind]
        marking = "答题卡" if s.marking == "sheet" else "人工评分"
        names = "、".join(p.user.display_name for p in proctors)
        section.rows.append(
            [
                s.id,
                kind,
                local_time(s.starts_at),
                s.duration_minutes,
                s.venue,
                marking,
                SITTING_STATUS.get(s.status, s.status),
                names,
            ]
        )
    return list(sittings), section


def _papers(session: Session, c: TrainingClass) -> Section:
    section = Section(
        "papers",
        "试卷（仅元数据和哈希）Papers (metadata and hashes)",
        ["试卷编号", "场次类型", "座位数", "平均难度", "内容哈希 SHA-256", "生成时间", "生成人", "开放时间"],
    )
    for p in session.scalars(select(Paper).where(Paper.class_id == c.id).order_by(Paper.id)):
        kind = SITTING_KIND_ZH[p.sitting]
        section.rows.append(
            [
                p.id,
                kind,
                p.seats,
                p.mean_difficulty_tenths / 10,
                p.content_hash,
                local_time(p.created_at),
                p.created_by,
                local_time(p.release_at),
            ]
        )
    return section


def class_file(session: Session, c: TrainingClass) -> list[Section]:
    enrollments = session.scalars(
        select(Enrollment).where(Enrollment.class_id == c.id).order_by(Enrollment.id)
    ).all()
    states = exam_states(session, c)
    schedule = Section("class", "班次 Class", ["项目", "内容"])
    schedule.rows.extend(
        [
            ["班次编号", c.code],
            ["名称", c.title],
            ["培训机构", c.institution.name],
            ["行业", code_label("industry", c.industry)],
            ["人员类别", code_label("category", c.category)],
            ["培训日期", f"{c.start_date.isoformat()} — {c.end_date.isoformat()}"],
            ["培训地点", c.venue],
            ["学时（线上/线下/实训）", f"{c.hours_online}/{c.hours_offline}/{c.hours_practical}"],
            ["状态", code_label("class_status", c.status)],
            ["学员人数", len(enrollments)],
        ]
    )
    roster = Section(
        "roster",
        "学员名单 Roster",
        ["序号", "姓名", "证件号码（脱敏）", "工作单位", "完成学时", "考试资格", "考试状态"],
    )
    for n, e in enumerate(enrollments, start=1):
        t = e.trainee
        roster.rows.append(
            [
                n,
                t.name,
                t.id_masked,
                e.employer.name if e.employer else "",  # as sent with this class's roster
                e.hours_completed,
                "是" if eligible(c, e) else "否",
                code_label("exam_state", states.get(e.id, "")),
            ]
        )
    sittings, sitting_section = _sittings(session, c)
    by_enrollment = {e.id: e for e in enrollments}
    results = Section(
        "results",
        "考勤与成绩 Attendance and results",
        ["场次", "姓名", "证件号码（脱敏）", "座位", "到场", "成绩", "合格"],
    )
    for a in session.scalars(_attempts_of(by_enrollment)):  # wherever they sat (exams/moves.py)
        e = by_enrollment[a.enrollment_id]
        score = "" if a.score_tenths is None else a.score_tenths / 10
        passed = "" if a.passed is None else ("是" if a.passed else "否")
        results.rows.append(
            [
                a.sitting_id,
                e.trainee.name,
                e.trainee.id_masked,
                a.seat_no or "",
                PRESENCE.get(a.presence, a.presence),
                score,
                passed,
            ]
        )
    certificates = Section("certificates", "合格证 Certificates", ["姓名", *CERT_HEADER])
    for cert in session.scalars(
        select(Certificate).where(Certificate.class_id == c.id).order_by(Certificate.id)
    ):
        certificates.rows.append([by_enrollment[cert.enrollment_id].trainee.name, *certificate_row(cert)])
    return [
        schedule,
        roster,
        sitting_section,
        _papers(session, c),
        results,
        certificates,
        _audit(session, c, sittings),
    ]


def _attempts_of(by_enrollment: dict):  # type: ignore[no-untyped-def]
    """The class's own candidates' attempts, at its sittings or wherever an officer moved them."""
    return (
        select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .where(Attempt.enrollment_id.in_(list(by_enrollment)))
        .order_by(Sitting.starts_at, Attempt.seat_no, Attempt.id)
    )


def _audit(session: Session, c: TrainingClass, sittings: list[Sitting]) -> Section:
    """The events about the class itself, its sittings, papers, attempts and certificates, oldest first."""
    about = [
        (AuditEvent.object_type == "class") & (AuditEvent.object_id == str(c.id)),
        (AuditEvent.object_type == "sitting") & AuditEvent.object_id.in_([str(s.id) for s in sittings]),
        (AuditEvent.object_type == "paper")
        & AuditEvent.object_id.in_(select(cast(Paper.id, String)).where(Paper.class_id == c.id)),
        (AuditEvent.object_type == "attempt")
        & AuditEvent.object_id.in_(
            select(cast(Attempt.id, String))
            .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
            .where(Enrollment.class_id == c.id)
        ),
        (AuditEvent.object_type == "enrollment")  # moves to other sittings among them
        & AuditEvent.object_id.in_(select(cast(Enrollment.id, String)).where(Enrollment.class_id == c.id)),
        (AuditEvent.object_type == "certificate")
        & AuditEvent.object_id.in_(select(cast(Certificate.id, String)).where(Certificate.class_id == c.id)),
    ]
    section = Section(
        "audit", "审计记录 Audit events", ["序号", "时间", "操作人", "动作", "对象", "对象编号", "详情"]
    )
    for ev in session.scalars(select(AuditEvent).where(or_(*about)).order_by(AuditEvent.seq)):
        section.rows.append(
            [ev.seq, local_time(ev.at), ev.actor_label, ev.action, ev.object_type, ev.object_id, ev.detail]
        )
    return section


def zip_bytes(folder: str, sections: list[Section]) -> bytes:
    """Each section as a CSV and an XLSX file in `folder` of the ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for s in sections:
            rows = [s.header, *s.rows]
            archive.writestr(f"{folder}/{s.name}.csv", csv_bytes(rows))
            archive.writestr(f"{folder}/{s.name}.xlsx", xlsx_bytes(rows, s.name))
    return buffer.getvalue()


def pdf_bytes(heading: str, subject: str, sections: list[Section], bureau: str) -> bytes:
    """Every section as a table of one PDF (one renderer run)."""
    return render_pdf(
        render_template("pdf/file.html", heading=heading, subject=subject, sections=sections, bureau=bureau)
    )
