"""The life of a sitting: one state machine that every route, tablet sync and CLI command asks.
Pure: the time is an argument (core.clock gives it), nothing is read or written here.

    scheduled ──(paper release)──▶ released ──(start)──▶ open ──(end)──▶ closed
        │  ▲                          │                     │               │
        │  └──── rescheduled ◀────────┘                     └──── lock ─────┴──▶ locked ──▶ published
        └──────────────── cancelled (until locked) ◀─────────────────────────┘

The stored status says scheduled, cancelled, locked or published; released, open and closed follow
from the time. Nothing a proctor does happens before the sitting starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ..core.db import BEIJING
from ..core.msgid import N_
from .errors import ResultError


class Phase(StrEnum):
    SCHEDULED = "scheduled"  # the paper is sealed
    RELEASED = "released"  # the paper can be printed; the exam has not started
    OPEN = "open"  # the exam runs
    CLOSED = "closed"  # time is up: entry and confirmation go on until the proctors lock
    LOCKED = "locked"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Act(StrEnum):
    PRINT_PAPER = "print_paper"
    CHECK_IN = "check_in"
    ENTER = "enter"
    CONFIRM = "confirm"
    LOCK = "lock"
    PUBLISH = "publish"
    CORRECT = "correct"
    ASSIGN = "assign"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    MOVE_OUT = "move_out"  # a candidate leaves this sitting for another
    MOVE_IN = "move_in"  # a candidate comes to this sitting from another
    ISSUE_TICKETS = "issue_tickets"  # admission tickets with their seats


_PROCTORING = frozenset({Phase.OPEN, Phase.CLOSED})
ALLOWED: dict[Act, frozenset[Phase]] = {
    Act.PRINT_PAPER: frozenset({Phase.RELEASED, Phase.OPEN, Phase.CLOSED, Phase.LOCKED, Phase.PUBLISHED}),
    Act.CHECK_IN: _PROCTORING,
    Act.ENTER: _PROCTORING,
    Act.CONFIRM: _PROCTORING,
    Act.LOCK: _PROCTORING,
    Act.PUBLISH: frozenset({Phase.LOCKED}),
    Act.CORRECT: frozenset({Phase.LOCKED, Phase.PUBLISHED}),
    Act.ASSIGN: frozenset({Phase.SCHEDULED, Phase.RELEASED, Phase.OPEN, Phase.CLOSED, Phase.CANCELLED}),
    # Moving a sitting once candidates have sat it would move their exam: cancel it instead.
    Act.RESCHEDULE: frozenset({Phase.SCHEDULED, Phase.RELEASED, Phase.CANCELLED}),
    Act.CANCEL: frozenset({Phase.SCHEDULED, Phase.RELEASED, Phase.OPEN, Phase.CLOSED}),
    # A candidate not yet checked in may leave until the proctors lock (a sick note on the day);
    # they join only a sitting that has not started, so they sit the whole exam.
    Act.MOVE_OUT: frozenset({Phase.SCHEDULED, Phase.RELEASED, Phase.OPEN, Phase.CLOSED, Phase.CANCELLED}),
    Act.MOVE_IN: frozenset({Phase.SCHEDULED, Phase.RELEASED}),
    # A seat is given before the exam starts, as a candidate joins only before then (MOVE_IN).
    Act.ISSUE_TICKETS: frozenset({Phase.SCHEDULED, Phase.RELEASED}),
}


@dataclass(frozen=True)
class Times:
    release_at: datetime  # the paper opens for printing
    starts_at: datetime
    duration_minutes: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def phase(status: str, times: Times, now: datetime) -> Phase:
    if status in {"cancelled", "locked", "published"}:
        return Phase(status)
    if now < times.release_at:
        return Phase.SCHEDULED
    if now < times.starts_at:
        return Phase.RELEASED
    if now < times.ends_at:
        return Phase.OPEN
    return Phase.CLOSED


@dataclass(frozen=True)
class Refusal:
    message: str  # a msgid; params: starts (the sitting's start, formatted by the caller)
    status: int  # for a tablet: 409, the sitting is not in a state for this now


def refusal(act: Act, now_phase: Phase) -> Refusal | None:
    """None when `act` may happen in `now_phase`; else why not."""
    if now_phase in ALLOWED[act]:
        return None
    if now_phase is Phase.CANCELLED:
        return Refusal(N_("This sitting is cancelled."), 409)
    if act is Act.PUBLISH:
        return Refusal(N_("Results are published after the proctors lock the sitting."), 409)
    if act is Act.CORRECT:
        return Refusal(
            N_("Before the sitting is locked, the proctors enter and confirm results themselves."), 409
        )
    if act is Act.ISSUE_TICKETS:
        return Refusal(N_("Admission tickets are issued only before the sitting starts."), 409)
    if act in {Act.RESCHEDULE, Act.CANCEL, Act.ASSIGN, Act.MOVE_OUT, Act.MOVE_IN}:
        return Refusal(N_("This sitting has started or is locked: it cannot be changed now."), 409)
    if now_phase in {Phase.SCHEDULED, Phase.RELEASED}:
        if act is Act.PRINT_PAPER:
            return Refusal(N_("The paper is sealed until its release time."), 403)
        return Refusal(N_("The sitting has not started yet: it starts at %(starts)s (Beijing time)."), 409)
    return Refusal(N_("The sitting is locked: a correction needs an officer."), 409)


class Timed(Protocol):
    status: str
    starts_at: datetime

    @property
    def times(self) -> Times: ...


def phase_of(sitting: Timed, now: datetime) -> Phase:
    return phase(sitting.status, sitting.times, now)


def gate(sitting: Timed, act: Act, now: datetime) -> None:
    """The one check of "may this happen to this sitting now", for every path that changes it."""
    refused = refusal(act, phase_of(sitting, now))
    if refused is not None:
        starts = sitting.starts_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        raise ResultError(refused.message, status=refused.status, starts=starts)
