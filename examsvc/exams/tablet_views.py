"""The proctor's tablet: check-in and result entry, as HTML forms or JSON calls (same endpoints)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..auth.service import actor_of
from ..classes import photos
from ..classes.models import Enrollment
from ..core import metrics
from ..core.db import db_session
from ..core.msgid import RuleError
from ..core.text import storable, whole_number
from ..jobs.views import start
from ..papers.service import open_paper_for_grading
from ..questions.cipher import BankCipher
from ..web.access import public, roles
from ..web.viewutil import clock_now, get_or_404
from . import closing, results, sitting_page
from .errors import ResultError
from .grading import entry_layout
from .jobs import SITTING_PAPER_PDF
from .lifecycle import phase_of
from .models import Sitting
from .roster import sitting_roster
from .service import is_assigned, paper_of
from .submissions import Submission, once, stored_answer
from .tickets import RowExtras, existing

bp = Blueprint("tablet", __name__, url_prefix="/proctor/sittings")


def _sitting_for_me(sitting_id: int) -> Sitting:
    sitting = get_or_404(Sitting, sitting_id)
    if not is_assigned(db_session(), sitting, current_user):
        abort(404)  # other sittings do not exist for this proctor
    return sitting


def _values() -> dict:
    values = request.get_json(silent=True) or request.form
    if not isinstance(values, dict) or not all(storable(str(v)) for v in values.values()):
        abort(400)  # a NUL or a lone surrogate: nothing could store it (core/text.py)
    return values


def _answer(
    ok: bool, message: str, status: int, sitting: Sitting, payload: dict | None = None, problems=None
):  # type: ignore[no-untyped-def]
    if request.is_json:
        body = {"ok": ok, "message": message, **(payload or {})}
        if problems:
            body["problems"] = [
                {"question": p.number, "message": _(p.message, **dict(p.params))} for p in problems
            ]
        return jsonify(body), status
    details = "".join(
        " " + _("Question %(number)d: %(problem)s.", number=p.number, problem=_(p.message, **dict(p.params)))
        for p in problems or []
    )
    flash(message + details, "info" if ok else "error")
    return redirect(url_for("tablet.sitting", sitting_id=sitting.id))


@bp.route("/<int:sitting_id>")
@roles("proctor")
def sitting(sitting_id: int):  # type: ignore[no-untyped-def]
    """The roster part is kept per version of what it shows (sitting_page.py): proctors opening the
    page together cost one build. Only after the check that this proctor is assigned here."""
    st = _sitting_for_me(sitting_id)
    s, now = db_session(), clock_now()
    phase = phase_of(st, now)
    roster = sitting_roster(s, st)
    paper = paper_of(s, st) if st.marking == "sheet" else None
    rows = row_extras(s, st, roster)
    version = sitting_page.version_of(
        st, phase, roster, paper, now, str(get_locale()), request.script_root, rows
    )
    etag = version.etag(current_user.id, current_user.display_name, generate_csrf())
    if etag in request.if_none_match and not session.get("_flashes"):  # a flash is shown once: render
        response = current_app.response_class(status=304)
    else:

        def build() -> tuple[str, ...]:
            return sitting_page.split(
                render_template(
                    "proctor/_sitting_roster.html",
                    sitting=st,
                    phase=phase,
                    roster=roster,
                    layout=_grid_layout(st, paper, now),
                    slot=sitting_page.SLOTS,
                    extras=rows,
                )
            )

        parts = _page_cache().get(version.key, build)
        kept = sitting_page.fill(parts, generate_csrf(), current_user.id)
        response = make_response(
            render_template("proctor/sitting.html", sitting=st, phase=phase, roster=kept)
        )
    response.set_etag(etag)
    # Kept by the tablet's browser for itself only, and asked again each time (If-None-Match).
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def row_extras(s, st: Sitting, roster) -> dict[int, RowExtras]:  # type: ignore[no-untyped-def]
    """What a roster row shows besides the attempt: the ticket, and which photos exist."""
    ids = [c.enrollment.id for c in roster]
    tickets = existing(s, st)
    roster_photos, taken = photos.which_exist(s, st.id, ids)
    return {
        i: RowExtras(
            tickets[i].number if i in tickets else "",
            tickets[i].seat_no if i in tickets else None,
            i in roster_photos,
            i in taken,
        )
        for i in ids
    }


def _page_cache() -> sitting_page.PageCache:
    return current_app.extensions.setdefault("examsvc.sitting_pages", sitting_page.PageCache())


def _grid_layout(st: Sitting, paper, now) -> list[tuple[str, str]] | None:  # type: ignore[no-untyped-def]
    """The touch grid's rows, once the paper is released (its shape is part of the seal until then)."""
    if st.marking != "sheet" or paper is None or not paper.released(now):
        return None
    cipher = BankCipher(db_session(), current_app.extensions["examsvc.keys"])
    return entry_layout(open_paper_for_grading(cipher, paper, now)["questions"])


@bp.route("/sw.js")
@public  # code only, no data; served here so that its scope covers the sitting pages
def service_worker():  # type: ignore[no-untyped-def]
    response = current_app.send_static_file("tablet-sw.js")
    response.headers["Cache-Control"] = "no-cache"  # a new version reaches tablets on their next visit
    response.mimetype = "text/javascript"
    return response


@bp.route("/<int:sitting_id>/paper", methods=["POST"])
@roles("proctor")
def paper(sitting_id: int):  # type: ignore[no-untyped-def]
    """The proctors of the sitting print its paper from the release time (audited), like the officer:
    a job, whose progress page follows; the rules are the job kind's (exams/jobs.py)."""
    st = _sitting_for_me(sitting_id)
    found = paper_of(db_session(), st)
    if found is None:
        abort(404)
    params = {"sitting": st.id, "paper": found.id}
    return start(SITTING_PAPER_PDF.name, params, url_for("tablet.sitting", sitting_id=st.id))


def _version(values) -> int | None:  # type: ignore[no-untyped-def]
    text = str(values.get("version", "")).strip()
    return whole_number(text)


def _submit(st: Sitting, submission: Submission, action, done: str):  # type: ignore[no-untyped-def]
    """Run one tablet submission at most once (see submissions.py) and answer the form or the JSON call."""
    metrics.outbox_lag(request.headers.get(metrics.OUTBOX_HEADER))  # stamped by static/tablet.js
    if not submission.key_ok:
        return _answer(False, _("Every submission needs its own idempotency key."), 400, st)
    s = db_session()
    try:
        answer = once(s, current_user, submission, action)
        s.commit()
    except RuleError as exc:  # every refusal, whatever the domain that raised it: never a 500
        s.rollback()
        status, problems = getattr(exc, "status", 422), getattr(exc, "problems", None)
        return _answer(False, _(str(exc), **exc.params), status, st, problems=problems)
    except (StaleDataError, IntegrityError):
        # Another request saved this attempt between our read and our write. If it was the same
        # submission (a duplicate sent at once), it is stored now: answer with it.
        s.rollback()
        try:
            stored = stored_answer(s, current_user, submission)
        except ResultError:
            stored = None
        if stored is None:
            return _answer(
                False, _("Someone else changed this entry meanwhile: reload and check it."), 409, st
            )
        return _answer(True, _("Already saved."), 200, st, stored)
    return _answer(True, done, 200, st, answer)


@bp.route("/<int:sitting_id>/candidates/<int:enrollment_id>/check-in", methods=["POST"])
@roles("proctor")
def check_in(sitting_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    st = _sitting_for_me(sitting_id)
    enrollment = get_or_404(Enrollment, enrollment_id)
    values = _values()
    seat = str(values.get("seat_no") or "").strip()
    presence, seat_no, version = (
        str(values.get("presence", "")),
        whole_number(seat),
        _version(values),
    )
    body = {
        "sitting": st.id,
        "enrollment": enrollment.id,
        "presence": presence,
        "seat": seat_no,
        "version": version,
    }

    def action() -> dict[str, object]:
        attempt = results.check_in(
            db_session(),
            actor_of(current_user),
            current_user,
            st,
            enrollment,
            presence,
            seat_no,
            version,
            now,
        )
        return {"attempt": attempt.id, "version": attempt.version, "presence": presence, "seat": seat_no}

    now = clock_now()
    submission = Submission(str(values.get("idempotency_key") or ""), body)
    return _submit(st, submission, action, _("%(name)s checked in.", name=enrollment.trainee.name))


@bp.route("/<int:sitting_id>/candidates/<int:enrollment_id>/result", methods=["POST"])
@roles("proctor")
def result(sitting_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    st = _sitting_for_me(sitting_id)
    enrollment = get_or_404(Enrollment, enrollment_id)
    values = _values()
    typed, version = results.typed_entry(st, values), _version(values) or 0
    body = {"sitting": st.id, "enrollment": enrollment.id, "entry": typed, "version": version}

    def action() -> dict[str, object]:
        s = db_session()
        cipher = BankCipher(s, current_app.extensions["examsvc.keys"])
        return results.enter_result(
            s, actor_of(current_user), current_user, cipher, st, enrollment, typed, version, now
        )

    now = clock_now()
    submission = Submission(str(values.get("idempotency_key") or ""), body)
    return _submit(st, submission, action, _("%(name)s: saved.", name=enrollment.trainee.name))


@bp.route("/<int:sitting_id>/candidates/<int:enrollment_id>/confirm", methods=["POST"])
@roles("proctor")
def confirm(sitting_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    st = _sitting_for_me(sitting_id)
    enrollment = get_or_404(Enrollment, enrollment_id)
    s = db_session()
    seen = _version(_values())
    try:
        closing.confirm(s, actor_of(current_user), current_user, st, enrollment, seen, clock_now())
    except ResultError as exc:
        s.rollback()
        return _answer(False, _(str(exc), **exc.params), exc.status, st)
    s.commit()
    return _answer(True, _("Confirmed."), 200, st)


@bp.route("/<int:sitting_id>/lock", methods=["POST"])
@roles("proctor")
def lock(sitting_id: int):  # type: ignore[no-untyped-def]
    st = _sitting_for_me(sitting_id)
    s = db_session()
    try:
        closing.lock(s, actor_of(current_user), current_user, st, clock_now())
    except ResultError as exc:
        s.rollback()
        return _answer(False, _(str(exc), **exc.params), exc.status, st)
    s.commit()
    return _answer(True, _("The sitting is locked. The exam office publishes the results."), 200, st)
