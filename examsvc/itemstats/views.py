"""Officers' pages of item statistics: every measured sitting, one sitting's paper and items (with a
CSV or XLSX export), and one question across sittings and versions. Figures only: no question text
is decrypted here (opening a question stays on the bank's audited page)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.service import Actor
from ..auth.service import actor_of
from ..classes.pages import spreadsheet
from ..core.db import db_session
from ..exams.models import Attempt, Sitting
from ..exams.signals import result_corrected, results_published
from ..questions.cipher import BankCipher
from ..questions.models import ItemStat, Question, QuestionVersion
from ..web.access import roles
from ..web.viewutil import apply_change, clock_now, get_or_404
from .charts import histogram_bars, trend_points
from .measures import ItemMeasures, pool
from .service import item_rows, measure_and_record, measured_sittings, paper_figures, unmeasured_sittings

bp = Blueprint("itemstats", __name__, url_prefix="/officer/stats")
log = logging.getLogger("examsvc.itemstats")


def _measure(session, actor: Actor, sitting: Sitting):  # type: ignore[no-untyped-def]
    cipher = BankCipher(session, current_app.extensions["examsvc.keys"])
    return measure_and_record(session, actor, cipher, sitting, current_app.config["EXAMSVC"], clock_now())


@results_published.connect
def _on_publish(sitting: Sitting, *, session, actor: Actor, **_: object) -> None:  # type: ignore[no-untyped-def]
    """Measured with the publication; a fault here is logged and never holds the results back."""
    try:
        with session.begin_nested():
            _measure(session, actor, sitting)
    except Exception:  # the statistics are a by-product: the results must publish whatever they do
        log.exception("item statistics of sitting %s failed", sitting.id)


@result_corrected.connect
def _on_correction(attempt: Attempt, *, session, actor: Actor, sitting: Sitting, **_: object) -> None:  # type: ignore[no-untyped-def]
    if sitting.status == "published":
        _on_publish(sitting, session=session, actor=actor)


@bp.route("/")
@roles("officer")
def overview():  # type: ignore[no-untyped-def]
    s = db_session()
    return render_template(
        "itemstats/overview.html", measured=measured_sittings(s), unmeasured=unmeasured_sittings(s)
    )


@bp.route("/sittings/<int:sitting_id>/measure", methods=["POST"])
@roles("officer")
def measure(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    if sitting.status != "published":
        abort(404)  # figures are made from published results only
    measured = apply_change(lambda s: _measure(s, actor_of(current_user), sitting))
    if measured is None:
        flash(_("Nothing to measure: this sitting was marked by hand or has no answer sheets."), "info")
    else:
        flash(_("Measured: %(flagged)d questions flagged.", flagged=measured.flagged), "info")
    return redirect(url_for("itemstats.sitting_stats", sitting_id=sitting.id))


def _external_ids(question_ids: list[int]) -> dict[int, str]:
    rows = db_session().execute(
        select(Question.id, Question.external_id).where(Question.id.in_(question_ids))
    )
    return {question_id: external_id for question_id, external_id in rows}


@bp.route("/sittings/<int:sitting_id>")
@roles("officer")
def sitting_stats(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    s = db_session()
    figures = paper_figures(s, sitting.id)
    items = item_rows(s, sitting.id)
    names = _external_ids([row.question_id for row, _, _ in items])
    return render_template(
        "itemstats/sitting.html",
        sitting=sitting,
        figures=figures,
        bars=histogram_bars(figures[1]) if figures else None,
        items=items,
        names=names,
    )


@bp.route("/sittings/<int:sitting_id>.<any(csv, xlsx):fmt>")
@roles("officer")
def sitting_export(sitting_id: int, fmt: str):  # type: ignore[no-untyped-def]
    sitting = get_or_404(Sitting, sitting_id)
    items = item_rows(db_session(), sitting.id)
    names = _external_ids([row.question_id for row, _, _ in items])
    rows: list[list[object]] = [
        [
            _("No."),
            _("Question"),
            _("Candidates"),
            _("Facility"),
            _("Discrimination (point-biserial)"),
            _("Discrimination (upper-lower 27%)"),
            _("Omitted"),
            _("Options: all / upper / lower"),
            _("Flags"),
        ]
    ]
    for number, (row, m, flags) in enumerate(items, start=1):
        options = "; ".join(
            f"{c.option} {m.rate(c.option):.2f}/{m.upper_rate(c.option):.2f}/{m.lower_rate(c.option):.2f}"
            for c in m.options
        )
        rows.append(
            [
                number,
                names.get(row.question_id, ""),
                m.n,
                round(m.facility, 4),
                "" if m.point_biserial is None else round(m.point_biserial, 4),
                round(m.discrimination_index, 4),
                round(m.omission_rate, 4),
                options,
                " ".join(f["code"] for f in flags),
            ]
        )
    return spreadsheet(rows, fmt, f"item-statistics-{sitting.training_class.code}-{sitting.kind}")


@bp.route("/questions/<int:question_id>")
@roles("officer")
def question_stats(question_id: int):  # type: ignore[no-untyped-def]
    question = get_or_404(Question, question_id)
    s = db_session()
    rows = s.execute(
        select(ItemStat, QuestionVersion, Sitting)
        .join(QuestionVersion, QuestionVersion.id == ItemStat.version_id)
        .join(Sitting, Sitting.id == ItemStat.sitting_id)
        .where(ItemStat.question_id == question.id)
        .order_by(ItemStat.sitting_starts_at, ItemStat.id)
    ).all()
    measures = [
        (stat, version, sitting, ItemMeasures.from_json(stat.measures)) for stat, version, sitting in rows
    ]
    by_version: dict[int, list[ItemMeasures]] = {}
    for _stat, version, _sitting, m in measures:
        by_version.setdefault(version.version, []).append(m)
    pooled = {v: pool(ms) for v, ms in sorted(by_version.items())}
    return render_template(
        "itemstats/question.html",
        question=question,
        measures=measures,
        pooled=pooled,
        trend=trend_points([m.facility for *_, m in measures]),
    )
