"""The one clock that every time gate reads: a sitting's phases, a paper's seal. It runs with the
system time; tests and the stateful test move it forward (`advance`) to walk a sitting through its
day without waiting. Stored timestamps (created_at, updated_at) keep reading the system time."""

from __future__ import annotations

from datetime import datetime, timedelta

from .db import utcnow


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
