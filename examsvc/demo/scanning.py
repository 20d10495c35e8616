"""Demo: the sitting under way has two answer sheets scanned already, one entered and one with a
tick the machine would not read, waiting for a proctor to decide (so the page has something to show)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..auth.models import User
from ..core.db import utcnow
from ..core.keyring import Keyring
from ..exams import results, tickets
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
from ..scans import service as scans
from ..scans.models import AnswerScan
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


def write_sample_sheets(session: Session, keyring: Keyring, folder: Path) -> Path | None:
    """A scanner's PDF of the next candidates' sheets at the demo's sitting under way, to try the
    upload: their pages wait as "nobody checked in at this seat" until they are checked in."""
    sitting = session.scalar(select(AnswerScan.sitting_id).where(AnswerScan.state == "review"))
    found = session.get(Sitting, sitting) if sitting is not None else None
    paper = paper_of(session, found) if found is not None else None
    if found is None or paper is None:
        return None
    cipher, now = BankCipher(session, keyring), utcnow()
    payload = open_paper_for_grading(cipher, paper, now)
    rows, seed = mark_rows(payload["questions"]), seed_of(payload, paper.seed)
    seats = sorted(t.seat_no for t in tickets.existing(session, found).values())[2:6]
    pages = []
    for n, seat in enumerate(seats):
        marks = key_sheet(paper_seat_key(payload, seed, seat)).split()
        marks[n * 7 % len(marks)] = "-"  # a question left blank, a different one each sheet
        serial = seat_serial(found.training_class.code, found.kind, seat)
        pages.append(Image.fromarray(drawn_sheet(rows, serial, paper_tag(paper), marks)))
    if not pages:
        return None
    path = folder / "demo-answer-sheets.pdf"
    pages[0].save(path, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    return path
