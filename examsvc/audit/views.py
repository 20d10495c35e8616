"""The audit trail for officers and admins: search by actor, action, object and time; verify the chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..access import roles
from ..db import db_session
from . import service
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")
BEIJING = ZoneInfo("Asia/Shanghai")
PAGE = 50


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
    page = max(int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1, 1)
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


@bp.route("/verify")
@roles("officer", "admin")
def verify():  # type: ignore[no-untyped-def]
    """`examsvc audit verify`, from the browser: reads the whole chain, changes nothing."""
    report = service.verify(db_session())
    return render_template("audit/verify.html", report=report), (200 if report.ok else 409)
