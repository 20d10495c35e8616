"""`examsvc jobs`: list and follow jobs, run a worker. Progress is shown as the pages show it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.db import db_session, utcnow
from .models import Job
from .rq_backend import work as rq_work
from .service import standing
from .workers import work_forever

jobs_group = AppGroup("jobs", help="Background jobs: list, follow, run a worker.")


def progress_line(done: int, total: int, started: float, unit: str = "") -> str:
    """`12 / 40 seats, about 8 s left` (the same count and estimate as the progress page)."""
    line = f"{done} / {total}{' ' + unit if unit else ''}"
    if 0 < done < total:
        left = (time.monotonic() - started) / done * (total - done)
        line += f", about {max(1, round(left))} s left"
    return line


def show_progress(unit: str = "") -> Callable[[int, int], None]:
    """A progress callback that rewrites one line on a terminal (one line per step otherwise)."""
    started = time.monotonic()
    tty = sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        end = "" if tty and done < total else "\n"
        click.echo(("\r" if tty else "") + progress_line(done, total, started, unit), err=True, nl=False)
        click.echo(end, err=True, nl=False)

    return report


@jobs_group.command("list")
@click.option("--limit", default=20, show_default=True)
def jobs_list(limit: int) -> None:
    """The newest jobs and their state."""
    now = utcnow()
    for job in db_session().scalars(select(Job).order_by(Job.id.desc()).limit(limit)):
        st = standing(job, now)
        left = f", about {st.seconds_left} s left" if st.seconds_left else ""
        click.echo(
            f"{job.id:>6}  {job.kind:<18} {st.state:<8} {st.done}/{st.total}{left}  tries {job.attempts}"
        )


@jobs_group.command("watch")
@click.argument("job_id", type=int)
def jobs_watch(job_id: int) -> None:
    """Follow one job until it ends (exit status 1 if it failed)."""
    s = db_session()
    while True:
        job = s.get(Job, job_id)
        if job is None:
            raise click.ClickException(f"no job {job_id}")
        st = standing(job, utcnow())
        left = f", about {st.seconds_left} s left" if st.seconds_left else ""
        click.echo(f"{st.state} {st.done}/{st.total}{left}", err=True)
        if st.state in ("done", "failed"):
            if st.state == "failed":
                message, params = st.error or ("failed", {})
                raise click.ClickException(message % params if params else message)
            return
        s.expire_all()
        s.rollback()  # a fresh snapshot next time
        time.sleep(1)


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="stop when no job waits (RQ), or after one pass (database)")
def jobs_worker(burst: bool) -> None:
    """Run jobs in this process until stopped: from Redis with RQ (EXAMSVC_JOBS_BACKEND=rq), else
    straight from the database's queue. Start as many as you like, on any machine."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["EXAMSVC"].jobs_backend == "rq":
        rq_work(app, burst=burst)
        return
    work_forever(app, burst=burst)
