"""Answer sheets by scanner or camera on the proctor's side: upload a batch, photograph one sheet
(JSON, through the tablet's offline outbox), decide the uncertain marks, see a sheet's image beside
its reading to confirm it. Only the proctors of the sitting; pages and crops are never cached."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

import cv2
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.service import actor_of
from ..classes.models import Enrollment
from ..core.db import db_session
from ..core.msgid import RuleError
from ..exams.models import Attempt, Sitting
from ..exams.service import is_assigned
from ..exams.submissions import Submission, once
from ..papers.sheet_layout import sheet_layout
from ..questions.cipher import BankCipher
from ..trainees.models import Trainee
from ..web.access import roles
from ..web.viewutil import clock_now, get_or_404, refusal
from . import service
from .models import AnswerScan
from .pages import MAX_FILES, MAX_PAGES, FileProblem, Page, gray_of_jpeg, image_gray, pages_of
from .reader import question_picture

bp = Blueprint("scans", __name__, url_prefix="/proctor/sittings")
CAMERA_MAX = 8 * 1024 * 1024  # base 64 of a camera frame: longer is refused unread
QUESTION_FIELD = re.compile(r"q[0-9]{1,3}")  # ASCII digits only: "q²" is a digit to str.isdigit


def _sitting(sitting_id: int) -> Sitting:
    sitting = get_or_404(Sitting, sitting_id)
    if not is_assigned(db_session(), sitting, current_user):
        abort(404)  # another sitting's sheets do not exist for this proctor
    return sitting


def _scan(sitting: Sitting, scan_id: int) -> AnswerScan:
    scan = get_or_404(AnswerScan, scan_id)
    if scan.sitting_id != sitting.id:
        abort(404)
    return scan


def _tools():  # type: ignore[no-untyped-def]
    s = db_session()
    return s, current_app.extensions["examsvc.keys"], BankCipher(s, current_app.extensions["examsvc.keys"])


@bp.route("/<int:sitting_id>/scans")
@roles("proctor")
def batch(sitting_id: int):  # type: ignore[no-untyped-def]
    sitting = _sitting(sitting_id)
    s = db_session()
    scans = s.scalars(
        select(AnswerScan).where(AnswerScan.sitting_id == sitting.id).order_by(AnswerScan.id)
    ).all()
    attempts = {
        a.enrollment_id: a for a in s.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
    }
    names = dict(
        s.execute(
            select(Enrollment.id, Trainee.name)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .where(Enrollment.id.in_(list(attempts)))
        ).all()
    )
    context = {"scans": scans, "attempts": attempts, "names": names, "problem": _problem}
    response = Response(render_template("proctor/scans.html", sitting=sitting, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(scan: AnswerScan) -> str:
    if not scan.problem:
        return ""
    return _(scan.problem, **json.loads(scan.problem_params or "{}"))


@bp.route("/<int:sitting_id>/scans/upload", methods=["POST"])
@roles("proctor")
def upload(sitting_id: int):  # type: ignore[no-untyped-def]
    """Each page on its own: one that cannot be read is kept and said; the others go on."""
    sitting = _sitting(sitting_id)
    s, keyring, cipher = _tools()
    back = redirect(url_for("scans.batch", sitting_id=sitting.id))
    files = [f for f in request.files.getlist("files") if f.filename or f.content_length]
    if not files or len(files) > MAX_FILES:
        flash(
            _("Choose the scanned sheets: PDF, JPEG or PNG files, at most %(max)d.", max=MAX_FILES), "error"
        )
        return back
    now, actor = clock_now(), actor_of(current_user)
    try:
        service.may_scan(s, current_user, sitting, now)
        rows_for = service.sheet_rows(s, cipher, sitting, now)
    except RuleError as exc:
        flash(refusal(exc), "error")
        return back
    counts: dict[str, int] = {}
    problems, pages = [], 0
    for upload in files:
        for page in pages_of(upload.filename or "?", upload.read()):
            if isinstance(page, FileProblem):
                problems.append(f"{page.label}: {refusal(page.error)}")
                continue
            pages += 1
            if pages > MAX_PAGES:
                problems.append(_("At most %(max)d pages at a time: the rest were not read.", max=MAX_PAGES))
                break
            try:
                with s.begin_nested():
                    scan = service.accept(
                        s, keyring, cipher, actor, current_user, sitting, page, "scanner", rows_for, now
                    )
            except RuleError as exc:  # this page only: the others of the upload go on
                problems.append(f"{page.label}: {refusal(exc)}")
                continue
            counts[scan.state] = counts.get(scan.state, 0) + 1
        if pages > MAX_PAGES:
            break
    s.commit()
    read = sum(counts.values())
    flash(
        _(
            "Pages read: %(read)d. Entered: %(entered)d; to check: %(review)d; kept aside: %(other)d.",
            read=read,
            entered=counts.get("entered", 0),
            review=counts.get("review", 0),
            other=counts.get("duplicate", 0) + counts.get("unmatched", 0),
        ),
        "info" if read else "error",
    )
    for problem in problems:
        flash(problem, "error")
    return back


@bp.route("/<int:sitting_id>/scans", methods=["POST"])
@roles("proctor")
def camera(sitting_id: int):  # type: ignore[no-untyped-def]
    """One sheet photographed on the tablet, sent as JSON through its outbox: read on arrival, once
    per idempotency key (a resend gets the first answer)."""
    sitting = _sitting(sitting_id)
    values = request.get_json(silent=True)
    text = values.get("image") if isinstance(values, dict) else None
    if not isinstance(text, str) or not text or len(text) > CAMERA_MAX:
        return jsonify(ok=False, message=_("Send the sheet as a JPEG in base 64, at most 6 MB.")), 400
    try:
        data = base64.b64decode(text.removeprefix("data:image/jpeg;base64,"), validate=True)
    except (binascii.Error, ValueError):
        return jsonify(ok=False, message=_("Send the sheet as a JPEG in base 64, at most 6 MB.")), 400
    submission = Submission(
        str(values.get("idempotency_key") or ""),
        {"sitting": sitting.id, "image": hashlib.sha256(data).hexdigest()},
    )
    if not submission.key_ok:
        return jsonify(ok=False, message=_("Every submission needs its own idempotency key.")), 400
    s, keyring, cipher = _tools()
    now = clock_now()

    def action() -> dict[str, object]:
        service.may_scan(s, current_user, sitting, now)
        page = Page(_("Tablet camera"), image_gray(data))
        rows_for = service.sheet_rows(s, cipher, sitting, now)
        scan = service.accept(
            s, keyring, cipher, actor_of(current_user), current_user, sitting, page, "camera", rows_for, now
        )
        return {"scan": scan.id, "state": scan.state, "seat": scan.seat_no, "enrollment": scan.enrollment_id}

    try:
        answer = once(s, current_user, submission, action)
        s.commit()
    except RuleError as exc:
        s.rollback()
        return jsonify(ok=False, message=refusal(exc)), getattr(exc, "status", 422)
    return jsonify(ok=True, message=_state_message(answer), **answer)


def _state_message(answer: dict) -> str:
    seat = answer.get("seat")
    return {
        "entered": _("Seat %(seat)s: the sheet is read and entered.", seat=seat),
        "review": _("Seat %(seat)s: some marks need a look.", seat=seat),
        "duplicate": _("Seat %(seat)s: this sheet was already read; kept, not used.", seat=seat),
    }.get(str(answer.get("state")), _("The sheet could not be placed: see the list of sheets."))


@bp.route("/<int:sitting_id>/scans/<int:scan_id>")
@roles("proctor")
def scan_page(sitting_id: int, scan_id: int):  # type: ignore[no-untyped-def]
    sitting = _sitting(sitting_id)
    scan = _scan(sitting, scan_id)
    s = db_session()
    reading = json.loads(scan.reading or "{}")
    attempt, name = None, ""
    if scan.enrollment_id is not None:
        name = get_or_404(Enrollment, scan.enrollment_id).trainee.name
        attempt = s.scalar(
            select(Attempt).where(
                Attempt.sitting_id == sitting.id, Attempt.enrollment_id == scan.enrollment_id
            )
        )
    response = Response(
        render_template(
            "proctor/scan.html",
            sitting=sitting,
            scan=scan,
            reading=reading,
            attempt=attempt,
            name=name,
            problem=_problem(scan),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:sitting_id>/scans/<int:scan_id>/page.jpg")
@roles("proctor")
def image(sitting_id: int, scan_id: int):  # type: ignore[no-untyped-def]
    scan = _scan(_sitting(sitting_id), scan_id)
    response = Response(service.image_of(current_app.extensions["examsvc.keys"], scan), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:sitting_id>/scans/<int:scan_id>/questions/<int:number>.png")
@roles("proctor")
def question(sitting_id: int, scan_id: int, number: int):  # type: ignore[no-untyped-def]
    scan = _scan(_sitting(sitting_id), scan_id)
    reading = json.loads(scan.reading or "{}")
    rows = [(row[1], row[6]) for row in reading.get("questions", [])]
    if not 1 <= number <= len(rows):
        abort(404)
    gray = gray_of_jpeg(service.image_of(current_app.extensions["examsvc.keys"], scan))
    picture = question_picture(gray, reading["corners"], sheet_layout(rows), number)
    ok, png = cv2.imencode(".png", picture)
    response = Response(png.tobytes(), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


def _change(sitting_id: int, scan_id: int, change, done: str):  # type: ignore[no-untyped-def]
    sitting = _sitting(sitting_id)
    scan = _scan(sitting, scan_id)
    s, keyring, cipher = _tools()
    try:
        change(s, keyring, cipher, sitting, scan)
        s.commit()
    except RuleError as exc:
        s.rollback()
        flash(refusal(exc), "error")
        return redirect(url_for("scans.scan_page", sitting_id=sitting.id, scan_id=scan.id))
    flash(done, "info")
    return redirect(url_for("scans.batch", sitting_id=sitting.id))


@bp.route("/<int:sitting_id>/scans/<int:scan_id>/decide", methods=["POST"])
@roles("proctor")
def decide(sitting_id: int, scan_id: int):  # type: ignore[no-untyped-def]
    choices = {}
    for key in request.form:
        if QUESTION_FIELD.fullmatch(key):
            marks = "".join(v for v in request.form.getlist(key) if v != "-")
            choices[int(key[1:])] = "".join(sorted(set(marks), key=marks.index))

    def change(s, keyring, cipher, sitting, scan):  # type: ignore[no-untyped-def]
        service.decide(s, cipher, actor_of(current_user), current_user, sitting, scan, choices, clock_now())

    return _change(sitting_id, scan_id, change, _("Decided and entered; a second proctor confirms it."))


@bp.route("/<int:sitting_id>/scans/<int:scan_id>/discard", methods=["POST"])
@roles("proctor")
def discard(sitting_id: int, scan_id: int):  # type: ignore[no-untyped-def]
    def change(s, keyring, cipher, sitting, scan):  # type: ignore[no-untyped-def]
        service.discard(s, actor_of(current_user), current_user, sitting, scan, clock_now())

    return _change(sitting_id, scan_id, change, _("The page is set aside."))


@bp.route("/<int:sitting_id>/scans/<int:scan_id>/again", methods=["POST"])
@roles("proctor")
def read_again(sitting_id: int, scan_id: int):  # type: ignore[no-untyped-def]
    def change(s, keyring, cipher, sitting, scan):  # type: ignore[no-untyped-def]
        service.read_again(
            s, keyring, cipher, actor_of(current_user), current_user, sitting, scan, clock_now()
        )

    return _change(sitting_id, scan_id, change, _("The page was read again."))
