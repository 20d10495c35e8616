"""The trainee's own view: /lookup asks for the ID number, the name and a second factor they hold
(an admission ticket or certificate number); /lookup/me shows their record for 15 minutes.

Public, so no oracle: both limits are counted before anything is matched, every wrong combination
gets the same page (the form, empty, with one message), and every attempt is audited without the
ID number (matching.py does the same work whichever part is wrong).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from ..audit.service import SYSTEM, record
from ..classes.forms import DOCUMENT_LABELS
from ..core.db import db_session
from ..core.identity import DOCUMENT_TYPES
from ..core.pdf import PdfError
from ..exams.models import AdmissionTicket
from ..exams.ticket_pdf import tickets_pdf
from ..orgs.service import bureau_name
from ..trainees.models import Trainee
from ..web import ratelimit
from ..web.access import public
from ..web.formutil import choices
from ..web.viewutil import clock_now
from .matching import Claim, find, person_key
from .record import record_of
from .sheets import person_sheet

bp = Blueprint("lookup", __name__)
SESSION_KEY = "lookup"
STAY = timedelta(minutes=15)  # how long a matched look-up shows the record without asking again
HOUR, DAY = 3600, 86400
HASH_SHOWN = 8  # hex characters of the ID hash in the audit trail: enough to link attempts, no more


class LookupForm(FlaskForm):
    # No format checks beyond "filled in": a malformed number must get the answer a wrong one gets.
    id_type = SelectField(
        _l("Document type"),
        choices=choices((t, DOCUMENT_LABELS[t]) for t in DOCUMENT_TYPES),
        default="id_card",
        validate_choice=False,
    )
    id_number = StringField(_l("Document number"), validators=[DataRequired()])
    name = StringField(_l("Full name"), validators=[DataRequired()])
    factor = StringField(
        _l("Admission ticket number or certificate number"),
        validators=[DataRequired()],
        description=_l("As printed on your admission ticket (ZK…) or on your certificate (AQ…)."),
    )


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


@bp.after_request
def _private(response: Response) -> Response:
    """A person's record: never indexed, never cached."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_page(form: LookupForm, status: int = 200, **flags: object):  # type: ignore[no-untyped-def]
    return render_template("lookup/form.html", form=form, **flags), status


def _seconds_left(window: int) -> int:
    """Until the fixed window the limiter counts in (web/ratelimit.py) turns over."""
    return window - int(ratelimit.clock()) % window


def _refused_for(key: str) -> int | None:
    """Counts this attempt against the client's hourly and the person's daily limit, before any
    matching; the seconds to wait when either is used up."""
    s, cfg, limiter = db_session(), _config(), current_app.extensions["examsvc.limiter"]
    client = request.remote_addr or "unknown"
    if not limiter.hit(s, "lookup", client, 1, cfg.lookup_limit_per_hour, HOUR):
        return _seconds_left(HOUR)
    if not limiter.hit(s, "lookup-person", key[:32], 1, cfg.lookup_limit_per_person_per_day, DAY):
        return _seconds_left(DAY)
    return None


@bp.route("/lookup", methods=["GET", "POST"])
@public
def form():  # type: ignore[no-untyped-def]
    lookup_form = LookupForm()
    if not lookup_form.validate_on_submit():
        return _form_page(lookup_form)  # a blank field: nothing was looked up, nothing counted
    if SESSION_KEY in session:  # a new look-up closes the one open in this browser, whoever it finds
        session.pop(SESSION_KEY)
    claim = Claim(*(getattr(lookup_form, f).data or "" for f in ("id_type", "id_number", "name", "factor")))
    key = person_key(current_app.extensions["examsvc.keys"], claim)
    wait = _refused_for(key)
    if wait is not None:
        page, status = _form_page(LookupForm(formdata=None), 429, limited=True)
        return page, status, {"Retry-After": str(wait)}
    s = db_session()
    trainee_id = find(s, key, claim)
    matched = trainee_id is not None
    record(
        s,
        SYSTEM,
        "lookup.attempt",
        "trainee" if matched else "lookup",
        trainee_id if matched else "-",
        {"matched": matched, "id_hash": key[:HASH_SHOWN]},
    )
    s.commit()
    if not matched:  # the typed values are not shown again: the page is the same for every miss
        return _form_page(LookupForm(formdata=None), missed=True)
    until = clock_now() + STAY
    session[SESSION_KEY] = {"trainee": trainee_id, "until": until.isoformat()}
    return redirect(url_for(".me"))


def _held() -> tuple[Trainee, datetime] | None:
    """The trainee this browser looked up, and until when, while that lasts."""
    held = session.get(SESSION_KEY)
    if held is None:
        return None
    try:
        trainee_id, until = int(held["trainee"]), datetime.fromisoformat(held["until"])
    except (KeyError, TypeError, ValueError):
        session.pop(SESSION_KEY, None)
        return None
    if clock_now() >= until:
        session.pop(SESSION_KEY, None)
        return None
    trainee = db_session().get(Trainee, trainee_id)
    return None if trainee is None else (trainee, until)


def _record(trainee: Trainee):  # type: ignore[no-untyped-def]
    return record_of(db_session(), trainee, _config().resolved_key_dir(), clock_now())


def _pdf(make, filename: str):  # type: ignore[no-untyped-def]
    try:
        pdf = make()
    except PdfError:
        current_app.logger.exception("look-up PDF failed")  # names no one (errors.py)
        message = _("The PDF could not be made.")
        return render_template("errors/error.html", code=503, message=message), 503
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@bp.route("/lookup/me")
@public
def me():  # type: ignore[no-untyped-def]
    held = _held()
    if held is None:
        return redirect(url_for(".form"))
    trainee, until = held
    return render_template("lookup/record.html", record=_record(trainee), until=until)


@bp.route("/lookup/me/results.pdf")
@public
def results_pdf():  # type: ignore[no-untyped-def]
    held = _held()
    if held is None:
        return redirect(url_for(".form"))
    trainee_record = _record(held[0])
    bureau = bureau_name(db_session())
    return _pdf(lambda: person_sheet(trainee_record, bureau, clock_now()), "result-sheet.pdf")


@bp.route("/lookup/me/tickets/<int:ticket_id>.pdf")
@public
def ticket_pdf(ticket_id: int):  # type: ignore[no-untyped-def]
    """An admission ticket already issued to this trainee: another's, or none, is 404."""
    held = _held()
    if held is None:
        return redirect(url_for(".form"))
    if ticket_id not in _record(held[0]).ticket_ids():  # theirs, and its sitting not cancelled
        abort(404)
    s = db_session()
    ticket = s.get(AdmissionTicket, ticket_id)
    keyring = current_app.extensions["examsvc.keys"]
    return _pdf(lambda: tickets_pdf(s, keyring, [ticket], bureau_name(s)), f"{ticket.number}.pdf")


@bp.route("/lookup/leave", methods=["POST"])
@public
def leave():  # type: ignore[no-untyped-def]
    session.pop(SESSION_KEY, None)
    return redirect(url_for(".form"))
