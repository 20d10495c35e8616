"""A class's paper as a background job: every seat's variant, rendered in parts on every core.

The seal is checked when the paper is asked for, when the job runs and at every download of the
file; the opening is audited (and the bank's usage counted) in the transaction that finishes the
job, so an attempt that dies leaves no trace and a retry does not count twice.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from ..auth.models import User
from ..auth.service import active_user, actor_of
from ..core.msgid import N_, RuleError
from ..core.pdf import render_parts
from ..jobs.kinds import Context, Kind, Output, Result, register
from ..orgs.service import bureau_name
from ..questions.cipher import BankCipher
from .composition import seed_of
from .models import Paper
from .pdf import paper_facts, paper_html_parts
from .service import count_use, ensure_released, note_opening, read_paper

SEATS_PER_PART = 10  # a wkhtmltopdf run costs ~0.2 s to start: much smaller parts waste it


def parts_for(seats: int, processes: int) -> list[range]:
    """Seat ranges (1-based), as many as a multiple of `processes`, so no core idles at the end."""
    count = min(seats, processes * max(1, math.ceil(seats / (processes * SEATS_PER_PART))))
    size = math.ceil(seats / count)
    return [range(start, min(start + size, seats + 1)) for start in range(1, seats + 1, size)]


def render_class_paper(
    payload: dict, seed: int, seats: int, facts: dict, processes: int, progress: Callable[[int, int], None]
) -> bytes:
    """The whole class's PDF (0 processes: one per core); `progress(seats_done, seats)` as parts end."""
    processes = processes or os.cpu_count() or 2
    parts = parts_for(seats, processes)
    done = 0
    progress(0, seats)

    def part_done(index: int) -> None:
        nonlocal done
        done += len(parts[index])
        progress(done, seats)

    return render_parts(paper_html_parts(payload, seed, parts, facts), processes, part_done)


def released_paper(session: Session, paper_id: object, now: datetime) -> Paper:
    """The paper, if its seal has opened; else the reason, as a rule refusal."""
    paper = session.get(Paper, paper_id) if isinstance(paper_id, int) else None
    if paper is None:
        raise RuleError(N_("Paper not found."))
    ensure_released(paper, now)
    return paper


def run_paper_job(ctx: Context, purpose: str) -> Result:
    """Shared by the officer's kind here and the proctor's (exams/jobs.py)."""
    with ctx.session() as s:  # read everything, then let go: on SQLite a transaction holds the lock
        paper = released_paper(s, ctx.params.get("paper"), ctx.now())
        payload = read_paper(BankCipher(s, current_app.extensions["examsvc.keys"]), paper)
        actor = actor_of(s.get(User, ctx.owner_id))
        facts = paper_facts(paper, bureau_name(s))
        paper_id, seats, seed = paper.id, paper.seats, seed_of(payload, paper.seed)
        name = f"paper-{paper.training_class.code}-{paper.sitting}.pdf"
    processes = current_app.config["EXAMSVC"].jobs_render_processes
    pdf = render_class_paper(payload, seed, seats, facts, processes, ctx.progress)

    def record(session: Session) -> None:
        opened = session.get(Paper, paper_id)
        count_use(session, opened, payload)
        note_opening(session, actor, opened, purpose)

    return Result(Output(name, "application/pdf", pdf), record)


def _officer_may_print(session: Session, owner_id: int, params: dict, now: datetime) -> None:
    if active_user(session, owner_id, "officer") is None:
        raise RuleError(N_("Only an exam officer may print this paper."))
    released_paper(session, params.get("paper"), now)


PAPER_PDF = register(
    Kind(
        name="paper.pdf",
        run=lambda ctx: run_paper_job(ctx, "download"),
        check=_officer_may_print,
        label=N_("A class's paper (PDF)"),
    )
)
