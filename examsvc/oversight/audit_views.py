"""The audit trail for officers and admins: search by actor, action, object and time; verify the chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms.validators import DataRequired

from ..audit import service
from ..audit.models import AuditEvent
from ..auth.service import actor_of
from ..core.db import BEIJING, db_session, utcnow
from ..core.text import whole_number
from ..web.access import roles
from . import checkpoint

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50
MAX_CHECKPOINTS = 400  # a year of daily files at once
MAX_CHECKPOINT_BYTES = 2000  # ours are about 400


def _day(text: str) -> datetime | None:
    """A date typed as YYYY-MM-DD, as the start of that day in Beijing, in UTC; None if empty or wrong."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=BEIJING).astimezone(UTC)
    except ValueError:
        return None


@bp.route("/")
@roles("officer", "admin")
def search():  # type: ignore[no-untyped-def]
    args = request.args
    query = select(AuditEvent)
    if actor := args.get("actor", "").strip():
        query = query.where(AuditEvent.actor_label.contains(actor))
    if action := args.get("action", "").strip():
        query = query.where(AuditEvent.action == action)
    if object_type := args.get("object_type", "").strip():
        query = query.where(AuditEvent.object_type == object_type)
    if object_id := args.get("object_id", "").strip():
        query = query.where(AuditEvent.object_id == object_id)
    if start := _day(args.get("from", "")):
        query = query.where(AuditEvent.at >= start)
    if end := _day(args.get("to", "")):
        query = query.where(AuditEvent.at < end + timedelta(days=1))
    page = max(whole_number(args.get("page", "1"), most=1_000_000) or 1, 1)
    s = db_session()
    rows = s.scalars(query.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return render_template(
        "audit/search.html",
        events=rows[:PAGE],
        more=len(rows) > PAGE,
        page=page,
        args=args,
        actions=s.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all(),
        object_types=s.scalars(
            select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
        ).all(),
    )


class CheckpointForm(FlaskForm):
    files = MultipleFileField(_l("Signed checkpoints (.jwt)"), validators=[DataRequired()])


@bp.route("/verify", methods=["GET", "POST"])
@roles("officer", "admin")
def verify():  # type: ignore[no-untyped-def]
    """`examsvc audit verify`, from the browser: reads the whole chain and, when the officer uploads
    checkpoints kept elsewhere, checks that the chain still holds their heads. Changes nothing."""
    s, form = db_session(), CheckpointForm()
    report, held = service.verify(s), []
    if form.validate_on_submit():
        key_dir = current_app.config["EXAMSVC"].resolved_key_dir()
        for upload in form.files.data[:MAX_CHECKPOINTS]:
            text = upload.read(MAX_CHECKPOINT_BYTES).decode("ascii", "replace")
            held.append((upload.filename or "", checkpoint.check(s, text, key_dir)))
    ok = report.ok and not any(result.problem for _, result in held)
    return render_template("audit/verify.html", report=report, held=held, form=form), (200 if ok else 409)


@bp.route("/checkpoint.jwt")
@roles("officer", "admin")
def download_checkpoint():  # type: ignore[no-untyped-def]
    """Today's signed checkpoint, to keep outside this system (audited, like the daily CLI run)."""
    s = db_session()
    key_dir = current_app.config["EXAMSVC"].resolved_key_dir()
    try:
        point, token = checkpoint.issue(s, actor_of(current_user), key_dir, utcnow())
    except ValueError:
        abort(409)
    s.commit()
    return Response(
        token + "\n",
        mimetype="application/jwt",
        headers={"Content-Disposition": f"attachment; filename={point.file_name}"},
    )
