"""Everyone's own jobs: a progress page, its JSON for the page's script, and the file when done.
Only the person who asked sees a job (anyone else gets 404); the file is given only while the
kind's rule still allows it (a paper's seal is checked again at every download)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.service import Actor, record
from ..core.db import db_session, utcnow
from ..core.msgid import RuleError
from ..web.access import login_only
from ..web.viewutil import clock_now, refusal
from .kinds import KINDS
from .models import Job, JobOutput
from .runner import opened_output
from .service import standing, submit

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def start(kind_name: str, params: dict, back: str):  # type: ignore[no-untyped-def]
    """A domain view's POST: submit the work and show its progress; a refusal goes back to `back`."""
    s = db_session()
    params = {**params, "lang": str(get_locale())}  # the file is in the asker's language (and keyed by it)
    try:
        job = submit(s, kind_name, current_user.id, params, clock_now())
    except RuleError as exc:
        s.rollback()
        flash(refusal(exc), "error")
        return redirect(back)
    s.commit()
    current_app.extensions["examsvc.jobs"].submitted(job)
    return redirect(url_for("jobs.job_page", job_id=job.id))


def _own_job(job_id: int) -> Job:
    job = db_session().get(Job, job_id)
    if job is None or job.owner_id != current_user.id:
        abort(404)  # another person's job does not exist for you
    return job


def _status(job: Job) -> dict:
    st = standing(job, utcnow())
    return {
        "state": st.state,
        "done": st.done,
        "total": st.total,
        "seconds_left": st.seconds_left,
        "error": _(st.error[0], **st.error[1]) if st.error else None,
        "file": url_for("jobs.job_file", job_id=job.id) if st.state == "done" else None,
    }


@bp.route("")
@login_only
def job_list():  # type: ignore[no-untyped-def]
    jobs = db_session().scalars(
        select(Job).where(Job.owner_id == current_user.id).order_by(Job.id.desc()).limit(50)
    )
    return render_template("jobs/list.html", jobs=[(j, _status(j)) for j in jobs], kinds=KINDS)


@bp.route("/<int:job_id>")
@login_only
def job_page(job_id: int):  # type: ignore[no-untyped-def]
    job = _own_job(job_id)
    return render_template("jobs/job.html", job=job, status=_status(job), kind=KINDS.get(job.kind))


@bp.route("/<int:job_id>.json")
@login_only
def job_status(job_id: int):  # type: ignore[no-untyped-def]
    response = jsonify(_status(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/file")
@login_only
def job_file(job_id: int):  # type: ignore[no-untyped-def]
    s = db_session()
    job = _own_job(job_id)
    row = s.get(JobOutput, job.id)
    if job.state != "done" or row is None or row.expires_at <= utcnow():
        abort(404)
    kind = KINDS.get(job.kind)
    if kind is None:
        abort(404)
    try:
        kind.check(s, job.owner_id, json.loads(job.params), clock_now())
    except RuleError as exc:
        return render_template("errors/error.html", code=403, message=refusal(exc)), 403
    data = opened_output(current_app, row)
    actor = Actor(current_user.id, current_user.username)
    record(s, actor, "job.download", "job", job.id, {"kind": job.kind, "file": row.filename})
    s.commit()
    response = Response(data, mimetype=row.mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={row.filename}"
    response.headers["Cache-Control"] = "no-store"
    return response
