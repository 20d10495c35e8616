"""The proctor's sitting page, built once per version of what it shows (issue 24).

When the proctors of a sitting open their tablets together, every one of them would render the same
roster. Instead the roster part is rendered once per *version* and kept in the worker: the version is a
hash of everything that part shows (the sitting, its phase, the paper's shape, each candidate's name,
last four and attempt, the language), taken from the data each request reads anyway, so a check-in, a
move or a publication elsewhere makes a new version by itself: nothing has to remember to invalidate.

What differs per user or per request never enters the kept part: the CSRF token, the user id, each
form's idempotency key (new for every response) and the confirm buttons, left out for the proctor
who made the entry (confirmation is by a second proctor). They are slots, filled in per response.
The object-level check (only the sitting's proctors) runs before any of this, and the key holds the
sitting's id, so a kept page never reaches another sitting or proctor.

The same version, with the user's identity and CSRF token, makes the page's ETag: a tablet that
asks again with If-None-Match gets a 304 while nothing changed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from ..papers.models import Paper
from .models import Sitting
from .roster import Candidate

_MARK = "\x1e" + secrets.token_hex(8)  # a slot's boundary; unguessable, so no typed name can forge one


class _Slots:
    """What the kept template writes where a per-response value goes (nothing HTML escapes)."""

    csrf = f"{_MARK}csrf{_MARK}"
    key = f"{_MARK}key{_MARK}"
    user = f"{_MARK}user{_MARK}"
    end = f"{_MARK}end{_MARK}"

    @staticmethod
    def unless_entered_by(user_id: int | None) -> str:
        """Up to `end`: left out for the user who made the entry."""
        return f"{_MARK}unless:{user_id}{_MARK}"


SLOTS = _Slots()


@dataclass(frozen=True)
class Version:
    sitting_id: int
    digest: str  # of everything the kept part shows

    @property
    def key(self) -> tuple[int, str]:
        return (self.sitting_id, self.digest)

    def etag(self, user_id: int, display_name: str, csrf_token: str) -> str:
        """The whole page as this user gets it: the kept part's version, and what base.html and the
        slots add for them (their name, their session's CSRF token)."""
        mine = f"{self.digest}|{user_id}|{display_name}|{csrf_token}"
        return hashlib.sha256(mine.encode()).hexdigest()[:32]


def version_of(  # noqa: PLR0913
    sitting: Sitting,
    phase: str,
    roster: Sequence[Candidate],
    paper: Paper | None,
    now: datetime,
    locale: str,
    script_root: str,
    extras: Mapping[int, object] | None = None,
) -> Version:
    """The version of the roster part: a hash of everything it shows (`extras`: per enrollment id,
    what else a row shows, e.g. its ticket and whether photos exist)."""
    shape = None if paper is None else (paper.id, paper.content_hash, paper.released(now))
    h = hashlib.sha256(repr((sitting.id, sitting.marking, phase, shape, locale, script_root)).encode())
    h.update(repr(sorted((extras or {}).items())).encode())
    for candidate in roster:
        e, a = candidate.enrollment, candidate.attempt
        entry = None
        if a is not None:
            entry = (a.id, a.version, a.presence, a.seat_no, a.answers, a.score_tenths, a.entered_by)
            entry += (a.confirmed_by,)
        h.update(repr((e.id, e.trainee.name, e.trainee.id_tail, entry)).encode())
    return Version(sitting.id, h.hexdigest())


def split(rendered: str) -> tuple[str, ...]:
    """Text and slot names, alternating: what is kept."""
    return tuple(rendered.split(_MARK))


def new_keys(count: int) -> list[str]:
    """Idempotency keys for the page's forms (22 URL-safe characters each), from one read of urandom."""
    raw = os.urandom(16 * count)
    return [base64.urlsafe_b64encode(raw[i : i + 16]).rstrip(b"=").decode() for i in range(0, 16 * count, 16)]


def fill(parts: tuple[str, ...], csrf_token: str, user_id: int) -> Markup:
    """The kept part for one response: this user's slots filled in, fresh keys in every form."""
    me = str(user_id)
    keys = iter(new_keys(sum(1 for p in parts[1::2] if p == "key")))
    out: list[str] = []
    skip = False
    for i, part in enumerate(parts):
        if i % 2 == 0:
            if not skip:
                out.append(part)
        elif part == "end":
            skip = False
        elif part.startswith("unless:"):
            skip = part[len("unless:") :] == me
        elif part == "key":
            key = next(keys)  # drawn either way: one key per form
            if not skip:
                out.append(key)
        elif not skip:
            out.append(csrf_token if part == "csrf" else me)
    return Markup("".join(out))  # noqa: S704 - our own template's output, slots filled with tokens and an id  # nosec B704


class PageCache:
    """Kept roster parts by version, in this worker, with at most one build of a version at a time:
    tablets asking together for a version not kept yet wait for the first one's build."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.builds = 0
        self._items: OrderedDict[tuple[int, str], tuple[str, ...]] = OrderedDict()
        self._building: dict[tuple[int, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str], build: Callable[[], tuple[str, ...]]) -> tuple[str, ...]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                parts = build()
                with self._lock:
                    self.builds += 1
                    self._items[key] = parts
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            finally:
                with self._lock:
                    self._building.pop(key, None)
        return parts
