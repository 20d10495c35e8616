"""The trainee's file (一人一档) and the employer's file (一企一册), as sections for class_file's PDF
and ZIP renderers. Masked ID numbers only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..certificates.service import trainee_record, trainee_records
from ..classes.models import Enrollment
from ..exams.models import Attempt, Sitting
from ..orgs.models import Organisation
from ..trainees.models import Trainee
from ..web.i18n import local_time
from ..web.labels import SITTING_KIND_ZH, code_label
from .class_file import CERT_HEADER, PRESENCE, Section, certificate_row


def _enrollment_rows(session: Session, enrollments: list[Enrollment]) -> tuple[Section, Section]:
    classes = Section(
        "classes",
        "培训经历 Classes",
        ["班次编号", "名称", "培训机构", "行业", "人员类别", "培训日期", "完成学时/计划学时"],
    )
    results = Section(
        "results", "考试记录 Exams", ["班次编号", "场次类型", "考试时间", "到场", "成绩", "合格"]
    )
    for e in enrollments:
        c = e.training_class
        classes.rows.append(
            [
                c.code,
                c.title,
                c.institution.name,
                code_label("industry", c.industry),
                code_label("category", c.category),
                f"{c.start_date.isoformat()} — {c.end_date.isoformat()}",
                f"{e.hours_completed}/{c.total_hours}",
            ]
        )
        attempts = session.execute(
            select(Attempt, Sitting)
            .join(Sitting, Sitting.id == Attempt.sitting_id)
            .where(Attempt.enrollment_id == e.id, Sitting.status == "published")
            .order_by(Sitting.starts_at)
        ).all()
        for a, s in attempts:
            score = "" if a.score_tenths is None else a.score_tenths / 10
            results.rows.append(
                [
                    c.code,
                    SITTING_KIND_ZH[a.kind],
                    local_time(s.starts_at),
                    PRESENCE.get(a.presence, a.presence),
                    score,
                    "是" if a.passed else "否",
                ]
            )
    return classes, results


def trainee_file(session: Session, trainee: Trainee) -> list[Section]:
    person = Section("trainee", "学员 Trainee", ["项目", "内容"])
    person.rows.extend(
        [
            ["姓名", trainee.name],
            ["证件号码（脱敏）", trainee.id_masked],
            ["手机（脱敏）", trainee.phone_masked or ""],
            ["工作单位", trainee.employer.name if trainee.employer else ""],
        ]
    )
    enrollments = session.scalars(
        select(Enrollment).where(Enrollment.trainee_id == trainee.id).order_by(Enrollment.id)
    ).all()
    classes, results = _enrollment_rows(session, list(enrollments))
    certs, ledger = trainee_record(session, trainee)
    certificates = Section(
        "certificates", "合格证 Certificates", CERT_HEADER, [certificate_row(c) for c in certs]
    )
    hours = Section(
        "hours",
        "再培训学时 Retraining hours",
        ["年度", "已计学时", "年度要求", "是否达标"],
        [[line.year, line.credited, line.required, "是" if line.met else "否"] for line in ledger],
    )
    return [person, classes, results, certificates, hours]


def employer_file(session: Session, employer: Organisation, today: date) -> list[Section]:
    org = Section("employer", "企业 Employer", ["项目", "内容"])
    org.rows.extend([["名称", employer.name], ["统一社会信用代码", employer.code]])
    people = session.scalars(
        select(Trainee).where(Trainee.employer_id == employer.id).order_by(Trainee.name)
    ).all()
    staff = Section(
        "staff",
        "从业人员 Staff",
        [
            "姓名",
            "证件号码（脱敏）",
            "最近班次",
            "人员类别",
            "有效合格证",
            "本年度已计学时",
            "本年度要求",
            "是否达标",
        ],
    )
    ids = [t.id for t in people]
    records = trainee_records(session, ids)
    latest: dict[int, Enrollment] = {}  # each trainee's newest enrollment
    for e in session.scalars(
        select(Enrollment).where(Enrollment.trainee_id.in_(ids)).order_by(Enrollment.id)
    ):
        latest[e.trainee_id] = e
    for t in people:
        certs, ledger = records[t.id]
        valid = [c.number for c in certs if c.revoked_at is None and c.expires_at.date() >= today]
        this_year = next((line for line in ledger if line.year == today.year), None)
        staff.rows.append(
            [
                t.name,
                t.id_masked,
                latest[t.id].training_class.code if t.id in latest else "",
                code_label("category", t.category),
                "、".join(valid),
                this_year.credited if this_year else 0,
                this_year.required if this_year else "",
                ("是" if this_year.met else "否") if this_year else "否",
            ]
        )
    return [org, staff]
