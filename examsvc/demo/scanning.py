"""Demo: the sitting under way has two answer sheets scanned already, one entered and one with a
tick the machine would not read, waiting for a proctor to decide (so the page has something to show)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..auth.models import User
from ..core.keyring import Keyring
from ..exams import results, tickets
from ..exams.grading import key_sheet, paper_seat_key
from ..exams.roster import sitting_roster
from ..papers.composition import seed_of
from ..papers.pdf import paper_tag
from ..papers.service import open_paper_for_grading
from ..papers.sheet_layout import mark_rows
from ..papers.variants import seat_serial
from ..questions.cipher import BankCipher
from ..scans import service as scans
from ..scans.pages import Page
from .sheets import drawn_sheet


def scan_two_sheets(  # type: ignore[no-untyped-def]
    session: Session, keyring: Keyring, cipher: BankCipher, actor: Actor, sitting, paper, now: datetime
) -> None:
    proctor = session.scalar(select(User).where(User.username == "proctor"))
    payload = open_paper_for_grading(cipher, paper, now)
    rows = mark_rows(payload["questions"])
    seats = {e: t.seat_no for e, t in tickets.existing(session, sitting).items()}
    rows_for = scans.sheet_rows(session, cipher, sitting, now)
    for order, candidate in enumerate(sitting_roster(session, sitting)[:2]):
        enrollment = candidate.enrollment
        seat = seats.get(enrollment.id, order + 1)
        results.check_in(session, actor, proctor, sitting, enrollment, "present", seat, None, now)
        marks = key_sheet(paper_seat_key(payload, seed_of(payload, paper.seed), seat)).split()
        ticks: tuple[tuple[int, str], ...] = ()
        if order == 1:  # question 3 ticked instead of filled: a person decides it
            ticks, marks[2] = ((3, marks[2][0]),), "-"
        serial = seat_serial(sitting.training_class.code, sitting.kind, seat)
        gray = drawn_sheet(rows, serial, paper_tag(paper), marks, ticks=ticks)
        page = Page(f"扫描仪批次.pdf · {order + 1}", gray)
        scans.accept(session, keyring, cipher, actor, proctor, sitting, page, "scanner", rows_for, now)
