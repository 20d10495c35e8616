"""Admission tickets (准考证): one per candidate and sitting, with a number and a seat.

The number is what the candidate holds: printed as text and as the check-in QR, and asked as the
second factor of the trainee's look-up, so it is random (50 bits), never derived from the person.
Seats are dealt at random among the candidates ticketed together, so an institution's roster order
(colleagues, friends) does not sit side by side. A ticket is issued before the sitting starts; one
issued stays, so a reprint shows the same seat.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from .lifecycle import Act, gate, phase_of, refusal
from .models import AdmissionTicket, Sitting
from .roster import sitting_roster
from .service import fit_seats

PREFIX = "ZK"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread
LENGTH = 10
QR_PREFIX = "EXAMSVC-T:"  # what the ticket's QR holds before the number: nothing personal


def new_number() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_number(typed: str) -> str:
    """As a person types it: spaces, dashes and lower case forgiven, and O read as 0."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    return cleaned[:2] + cleaned[2:].replace("O", "0").replace("I", "1").replace("L", "1")


def qr_text(number: str) -> str:
    return QR_PREFIX + number


def number_in_qr(text: str) -> str | None:
    """The ticket number a scanned QR names, or None when it is not a ticket's."""
    if not text.startswith(QR_PREFIX):
        return None
    number = text[len(QR_PREFIX) :]
    if len(number) != len(PREFIX) + LENGTH or not number.startswith(PREFIX):
        return None
    return number if all(ch in ALPHABET for ch in number[len(PREFIX) :]) else None


def free_seats(taken: set[int], count: int) -> list[int]:
    """The `count` lowest seat numbers not taken, in random order. Pure."""
    seats, seat = [], 1
    while len(seats) < count:
        if seat not in taken:
            seats.append(seat)
        seat += 1
    secrets.SystemRandom().shuffle(seats)
    return seats


@dataclass(frozen=True)
class RowExtras:
    """What the proctor's roster row shows of a candidate's ticket and photos (sitting_page.py)."""

    ticket: str
    ticket_seat: int | None
    roster_photo: bool
    check_in_photo: bool


def existing(session: Session, sitting: Sitting) -> dict[int, AdmissionTicket]:
    """enrollment id -> its ticket for this sitting."""
    rows = session.scalars(select(AdmissionTicket).where(AdmissionTicket.sitting_id == sitting.id))
    return {t.enrollment_id: t for t in rows}


def held(session: Session, sitting: Sitting) -> list[AdmissionTicket]:
    """The tickets of the candidates on the sitting's roster now, in roster order: one moved to
    another sitting keeps the ticket (and seat) issued here, but it no longer admits them."""
    have = existing(session, sitting)
    return [have[c.enrollment.id] for c in sitting_roster(session, sitting) if c.enrollment.id in have]


def may_issue(sitting: Sitting, now: datetime) -> bool:
    return refusal(Act.ISSUE_TICKETS, phase_of(sitting, now)) is None  # the lifecycle's one rule


def issue(session: Session, actor: Actor, sitting: Sitting, now: datetime) -> list[AdmissionTicket]:
    """Every candidate on the sitting's roster with their ticket, issuing the missing ones."""
    gate(sitting, Act.ISSUE_TICKETS, now)
    have = existing(session, sitting)
    roster = [c.enrollment for c in sitting_roster(session, sitting)]
    missing = [e for e in roster if e.id not in have]
    if missing:
        taken = {t.seat_no for t in have.values()}
        for enrollment, seat in zip(missing, free_seats(taken, len(missing)), strict=True):
            ticket = AdmissionTicket(
                number=new_number(), sitting=sitting, enrollment=enrollment, seat_no=seat
            )
            session.add(ticket)
            have[enrollment.id] = ticket
        session.flush()
        fit_seats(session, actor, sitting)
        record(session, actor, "ticket.issue", "sitting", sitting.id, {"issued": len(missing)})
    return [have[e.id] for e in roster]
