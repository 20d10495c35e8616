"""What a kind of job is: how it runs, and who may open its file. Domains register their kinds
(papers/jobs.py, certificates/jobs.py, oversight/jobs.py); this package knows none of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from ..core.db import utcnow
from . import queue


@dataclass(frozen=True)
class Output:
    filename: str
    mimetype: str
    data: bytes


@dataclass(frozen=True)
class Result:
    output: Output | None
    # The job's own writes (e.g. audit entries), made in the transaction that marks it done, so an
    # attempt that dies, or loses its lease, leaves none behind.
    record: Callable[[Session], None] | None = None


@dataclass
class Context:
    """What a running job gets: its parameters, short sessions, and a progress report."""

    app: Flask
    job_id: int
    owner_id: int
    params: dict
    lease: str
    on_progress: Callable[[int, int], None] | None = None
    _last_beat: float = field(default=0.0)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short transaction (on SQLite every transaction holds the write lock: keep it brief)."""
        with self.app.extensions["examsvc.db"].session_factory() as s:
            yield s
            s.commit()

    def now(self) -> datetime:
        """The exam clock: seals and phases are judged by it, as in the web routes."""
        return self.app.extensions["examsvc.clock"].now()

    def progress(self, done: int, total: int) -> None:
        """Stored (and the lease renewed); raises LeaseLost if the job was given to another worker."""
        with self.session() as s:
            queue.beat(s, self.job_id, self.lease, utcnow(), done, total)
        if self.on_progress is not None:
            self.on_progress(done, total)


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Context], Result]
    # Raises RuleError unless the owner may have this work done, and its file, now: asked when the
    # job is submitted, by the runner before it runs, and at every download (a paper's seal, a
    # proctor's assignment, the owner still active).
    check: Callable[[Session, int, dict, datetime], None]
    label: str  # msgid, translated where shown


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind
