"""The proctor's print of their sitting's paper, as a background job (the officer's is in
papers/jobs.py). Asked, run and downloaded only by a proctor assigned to the sitting, in a phase
that allows printing, from the paper's release."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..auth.service import active_user
from ..core.msgid import N_, RuleError
from ..jobs.kinds import Kind, register
from ..papers.jobs import released_paper, run_paper_job
from .lifecycle import Act, gate
from .models import Sitting
from .service import is_assigned, paper_of


def _proctor_may_print(session: Session, owner_id: int, params: dict, now: datetime) -> None:
    owner = active_user(session, owner_id, "proctor")
    sitting_id = params.get("sitting")
    sitting = session.get(Sitting, sitting_id) if isinstance(sitting_id, int) else None
    if owner is None or sitting is None or not is_assigned(session, sitting, owner):
        raise RuleError(N_("Sitting not found."))  # the same for a sitting that is not theirs
    gate(sitting, Act.PRINT_PAPER, now)
    paper = paper_of(session, sitting)
    if paper is None or paper.id != params.get("paper"):
        raise RuleError(N_("Paper not found."))
    released_paper(session, paper.id, now)


SITTING_PAPER_PDF = register(
    Kind(
        name="sitting.paper_pdf",
        run=lambda ctx: run_paper_job(ctx, "download"),
        check=_proctor_may_print,
        label=N_("The sitting's paper (PDF)"),
    )
)
