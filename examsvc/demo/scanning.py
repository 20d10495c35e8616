"""Demo: a scanner's PDF of answer sheets of the sitting under way, to try reading them: the first
four candidates' sheets, one with a tick the machine will not read (a proctor decides it)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.db import utcnow
from ..core.keyring import Keyring
from ..exams import tickets
from ..exams.grading import key_sheet, paper_seat_key
from ..exams.models import Sitting
from ..exams.roster import sitting_roster
from ..exams.service import paper_of
from ..papers.composition import seed_of
from ..papers.pdf import paper_tag
from ..papers.service import open_paper_for_grading
from ..papers.sheet_layout import mark_rows
from ..papers.variants import seat_serial
from ..questions.cipher import BankCipher
from .sheets import drawn_sheet


def write_sample_sheets(session: Session, keyring: Keyring, folder: Path) -> Path | None:
    """The PDF, in `folder`; its pages wait as "nobody checked in at this seat" until the candidates
    are checked in at their tickets' seats, then are read again."""
    now = utcnow()
    found = session.scalar(
        select(Sitting).where(Sitting.status == "scheduled", Sitting.starts_at <= now).order_by(Sitting.id)
    )
    paper = paper_of(session, found) if found is not None else None
    if found is None or paper is None or not paper.released(now):
        return None
    payload = open_paper_for_grading(BankCipher(session, keyring), paper, now)
    rows, seed = mark_rows(payload["questions"]), seed_of(payload, paper.seed)
    seats = {e: t.seat_no for e, t in tickets.existing(session, found).items()}
    pages = []
    for n, candidate in enumerate(sitting_roster(session, found)[:4]):
        seat = seats.get(candidate.enrollment.id, n + 1)
        marks = key_sheet(paper_seat_key(payload, seed, seat)).split()
        marks[n * 7 % len(marks)] = "-"  # a question left blank, a different one on each sheet
        ticks: tuple[tuple[int, str], ...] = ()
        if n == 1:  # question 3 ticked instead of filled: the machine leaves it to a proctor
            ticks, marks[2] = ((3, marks[2][0]),), "-"
        serial = seat_serial(found.training_class.code, found.kind, seat)
        pages.append(Image.fromarray(drawn_sheet(rows, serial, paper_tag(paper), marks, ticks=ticks)))
    if not pages:
        return None
    path = folder / "demo-answer-sheets.pdf"
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    return path
