"""The officers' coverage dashboard: trained, examined, passed and certified against the year's targets,
by industry × category (with a chart), county and institution; the targets form; the payment basis."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from ..audit.service import record
from ..auth.service import actor_of
from ..classes.models import TrainingClass
from ..classes.pages import spreadsheet
from ..core.db import BEIJING, db_session, utcnow
from ..orgs.models import Organisation
from ..questions.codes import CATEGORIES, INDUSTRIES
from ..web.access import roles
from ..web.labels import SITTING_KIND_ZH, code_label
from ..web.viewutil import get_or_404
from . import coverage
from .charts import progress_chart
from .models import CoverageTarget
from .payment import payable, payments_of_year
from .targets import TargetProblem, read_targets

bp = Blueprint("oversight", __name__, url_prefix="/officer/coverage")


def _year() -> int:
    this_year = datetime.now(BEIJING).year
    year = request.args.get("year", type=int) or this_year
    return year if 2000 <= year <= 2100 else this_year


def _page(year: int, problems: list[TargetProblem], typed: dict[str, str], status: int = 200):  # type: ignore[no-untyped-def]
    s = db_session()
    of_year = coverage.coverage_of_year(s, year)
    by_industry = of_year["industry"]
    counties = {
        o.county_code: o.name for o in s.scalars(select(Organisation).where(Organisation.kind == "county"))
    }
    chart = progress_chart(
        [
            (f"{code_label('industry', c.key[0])} · {code_label('category_short', c.key[1])}", c)
            for c in by_industry
        ]
    )
    goals = {row.key: row.target for row in by_industry if row.target is not None}  # read with the counts
    return render_template(
        "officer/coverage.html",
        year=year,
        by_industry=by_industry,
        industry_total=coverage.total(by_industry),
        by_county=of_year["county"],
        by_institution=of_year["institution"],
        counties=counties,
        chart=chart,
        industries=INDUSTRIES,
        categories=CATEGORIES,
        goals=goals,
        typed=typed,
        problems=problems,
    ), status


@bp.route("/")
@roles("officer")
def dashboard():  # type: ignore[no-untyped-def]
    return _page(_year(), [], {})


@bp.route("/targets", methods=["POST"])
@roles("officer")
def save_targets():  # type: ignore[no-untyped-def]
    year = _year()
    typed = {k: v for k, v in request.form.items() if k.startswith("t-")}
    wanted, problems = read_targets(typed)
    if problems:
        return _page(year, problems, typed, 422)  # nothing saved
    s = db_session()
    s.execute(delete(CoverageTarget).where(CoverageTarget.year == year))
    for (industry, category), people in sorted(wanted.items()):
        s.add(
            CoverageTarget(
                year=year,
                industry=industry,
                category=category,
                people=people,
                set_by=current_user.id,
                updated_at=utcnow(),
            )
        )
    record(
        s,
        actor_of(current_user),
        "coverage.targets",
        "coverage_target",
        year,
        {"targets": len(wanted), "people": sum(wanted.values())},
    )
    s.commit()
    flash(_("Targets for %(year)d saved.", year=year), "info")
    return redirect(url_for("oversight.dashboard", year=year))


@bp.route("/payment")
@roles("officer")
def payment_summary():  # type: ignore[no-untyped-def]
    """Per class of the year: trainees trained and passed, first sitting and retake (the fee's basis)."""
    year = _year()
    rows = payments_of_year(db_session(), year)
    if request.args.get("fmt") in {"csv", "xlsx"}:
        header = [
            "班次编号 class",
            "班次名称 title",
            "培训机构 institution",
            "首考合格 first",
            "补考合格 retake",
            "合计 total",
        ]
        cells = [
            [
                p.training_class.code,
                p.training_class.title,
                p.training_class.institution.name,
                p.first,
                p.retake,
                p.total,
            ]
            for p in rows
        ]
        return spreadsheet([header, *cells], request.args["fmt"], f"payment-basis-{year}")
    return render_template("officer/payment.html", year=year, rows=rows)


@bp.route("/payment/classes/<int:class_id>.<any(csv, xlsx):fmt>")
@roles("officer")
def payment_of_class(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    """The trainees of one class the fee is paid for, for the social insurance agency (masked IDs)."""
    training_class = get_or_404(TrainingClass, class_id)
    header = [
        "序号",
        "姓名",
        "证件号码（脱敏）",
        "工作单位",
        "统一社会信用代码",
        "完成学时",
        "合格（首考/补考）",
        "证书编号",
    ]
    rows: list[list[object]] = [header]
    for number, p in enumerate(payable(db_session(), training_class), start=1):
        t = p.enrollment.trainee
        employer = t.employer
        sat = SITTING_KIND_ZH[p.passed_at]
        rows.append(
            [
                number,
                t.name,
                t.id_masked,
                employer.name if employer else "",
                employer.code if employer else "",
                p.enrollment.hours_completed,
                sat,
                p.certificate_number,
            ]
        )
    return spreadsheet(rows, fmt, f"payment-basis-{training_class.code}")
