"""Result sheets (成绩单) as PDFs: a person's (the trainee's own), a class's for the bureau (every
enrolment), and a class's for its institution (numbers only: institutions see their classes'
results in aggregate, DOMAIN.md).

Filed documents, so in Chinese whatever the page's language, like the certificates and the staff
standing. Published results only; ID numbers masked.
"""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..certificates.models import Certificate
from ..certificates.standing import STATUS_ZH
from ..classes.models import Enrollment, TrainingClass
from ..core.db import BEIJING
from ..core.pdf import render_pdf
from ..exams.attempts import Attempt as AttemptFact
from ..exams.attempts import state
from ..exams.closing import class_counts
from ..exams.models import Attempt, Sitting
from ..exams.roster import state_counts
from ..web.labels import SITTING_KIND_ZH
from .record import Record, outcome, score_text

OUTCOME_ZH = {"passed": "合格", "failed": "不合格", "absent": "缺考"}
STATE_ZH = {
    "awaiting_exam": "待考试",
    "passed": "已合格",
    "retake_pending": "待补考",
    "must_retrain": "须重新培训",
}
PUBLISHED_ONLY = "本成绩单仅列已公布的成绩。"


def _day(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d")


def _minute(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _render(heading: str, bureau: str, now: datetime, facts, sections, note: str) -> bytes:  # type: ignore[no-untyped-def]
    html = render_template(
        "pdf/result_sheet.html",
        heading=heading,
        bureau=bureau,
        made=_minute(now),
        facts=facts,
        sections=sections,
        note=note,
    )
    return render_pdf(html)


def person_sheet(record: Record, bureau: str, now: datetime) -> bytes:
    """The trainee's own: every published attempt, and their certificates."""
    attempts = [
        [
            f"{e.class_code} {e.class_title}",
            _day(s.starts_at),
            SITTING_KIND_ZH.get(s.kind, s.kind),
            s.score or "—",
            OUTCOME_ZH.get(s.outcome or "", ""),
        ]
        for e, s in record.published_attempts()
    ]
    certificates = [
        [
            c.number,
            c.class_code,
            f"{c.hours}（{c.credit_year}年度）",
            _day(c.expires_at),
            STATUS_ZH.get(c.status, c.status),
        ]
        for c in record.certificates
    ]
    certificate_header = ["证书编号", "班次", "计入再培训学时", "有效期至（复训截止）", "状态"]
    sections = [
        ("考试成绩", ["培训班次", "考试日期", "场次", "成绩", "结果"], attempts, "尚无已公布的成绩。"),
        ("合格证明", certificate_header, certificates, "尚无合格证明。"),
    ]
    facts = [("姓名", record.name), ("证件号码", record.id_masked)]
    return _render("个人考试成绩单", bureau, now, facts, sections, PUBLISHED_ONLY + "证件号码已部分隐藏。")


def _class_facts(training_class: TrainingClass) -> list[tuple[str, str]]:
    return [
        ("培训班次", f"{training_class.code} {training_class.title}"),
        ("施教单位", training_class.institution.name),
        ("培训日期", f"{training_class.start_date} 至 {training_class.end_date}"),
    ]


def _published(session: Session, class_id: int) -> dict[tuple[int, str], Attempt]:
    """(enrollment id, kind) -> its published attempt, wherever it was sat."""
    rows = session.scalars(
        select(Attempt)
        .join(Sitting, Sitting.id == Attempt.sitting_id)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Enrollment.class_id == class_id, Sitting.status == "published")
    )
    return {(a.enrollment_id, a.kind): a for a in rows}


def _result_cell(attempt: Attempt | None) -> str:
    if attempt is None:
        return "—"
    result = outcome(attempt)
    score = score_text(attempt.score_tenths)
    return f"{score} {OUTCOME_ZH[result]}" if score else OUTCOME_ZH[result]


def class_sheet(session: Session, training_class: TrainingClass, bureau: str, now: datetime) -> bytes:
    """The bureau's: every enrolment with its first and retake results and its certificate."""
    enrollments = session.scalars(
        select(Enrollment).where(Enrollment.class_id == training_class.id).order_by(Enrollment.id)
    ).all()
    attempts = _published(session, training_class.id)
    certificates = {
        c.enrollment_id: c
        for c in session.scalars(select(Certificate).where(Certificate.class_id == training_class.id))
    }
    rows = []
    for n, e in enumerate(enrollments, start=1):
        first, retake = attempts.get((e.id, "first")), attempts.get((e.id, "retake"))
        facts = [AttemptFact(a.kind, outcome(a)) for a in (first, retake) if a is not None]
        cert = certificates.get(e.id)
        number = "" if cert is None else cert.number + ("（已撤销）" if cert.revoked_at else "")
        rows.append(
            [
                n,
                e.trainee.name,
                e.trainee.id_masked,
                _result_cell(first),
                _result_cell(retake),
                STATE_ZH[state(facts)],
                number,
            ]
        )
    header = ["序号", "姓名", "证件号码", "首考", "补考", "状态", "证书编号"]
    sections = [
        ("合计", _count_header(), _count_rows(session, training_class.id), "尚无已公布的成绩。"),
        ("学员成绩", header, rows, "名册为空。"),
    ]
    return _render("班次考试成绩单", bureau, now, _class_facts(training_class), sections, PUBLISHED_ONLY)


def _count_header() -> list[str]:
    return ["场次", "实考", "缺考", "合格", "不合格"]


def _count_rows(session: Session, class_id: int) -> list[list[object]]:
    return [
        [SITTING_KIND_ZH.get(kind, kind), n.present, n.absent, n.passed, n.failed]
        for kind, n in class_counts(session, class_id)
    ]


def class_summary_sheet(session: Session, training_class: TrainingClass, bureau: str, now: datetime) -> bytes:
    """The institution's: numbers only, as its class page shows them; never who."""
    counts = _count_rows(session, training_class.id)
    states = state_counts(session, training_class) if counts else {}
    standing = [[label, states.get(code, 0)] for code, label in STATE_ZH.items()] if counts else []
    sections = [
        ("考试结果（人数）", _count_header(), counts, "尚无已公布的成绩。"),
        ("学员状态（人数）", ["状态", "人数"], standing, ""),
    ]
    note = PUBLISHED_ONLY + "施教单位成绩单只列人数，不列个人成绩。"
    return _render("班次考试成绩汇总", bureau, now, _class_facts(training_class), sections, note)
