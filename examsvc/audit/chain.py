"""Pure rules of the audit chain: how an entry is hashed and what a valid chain looks like."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64

# A resident ID number (18 characters, last may be X) must never enter the trail: any that slips in
# with free text (a reason, a title) is masked like everywhere else.
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
MAX_DETAIL_CHARS = 2000


class AuditDetailError(ValueError):
    """A detail would put bulk content into the audit trail."""


@dataclass(frozen=True)
class EntryFields:
    seq: int
    at: datetime  # naive UTC as stored
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str
    detail: str
    prev_hash: str


def canonical_detail(detail: Mapping[str, object] | None) -> str:
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(2).upper(), text)
    if len(text) > MAX_DETAIL_CHARS:
        raise AuditDetailError(f"audit detail is {len(text)} characters; the limit is {MAX_DETAIL_CHARS}")
    return text


def entry_hash(entry: EntryFields) -> str:
    payload = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(timespec="microseconds"),
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.detail,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def find_problems(entries: Iterable[tuple[EntryFields, str]]) -> list[ChainProblem]:
    """Check entries (in stored seq order, each with its stored hash) for edits, gaps and reorders."""
    problems: list[ChainProblem] = []
    expected_seq, expected_prev = 1, GENESIS_HASH
    for fields, stored_hash in entries:
        if fields.seq != expected_seq:
            problems.append(
                ChainProblem(fields.seq, f"expected entry {expected_seq}: an entry is missing or moved")
            )
        if fields.prev_hash != expected_prev:
            problems.append(
                ChainProblem(fields.seq, "does not follow the entry before it (deleted or reordered)")
            )
        if entry_hash(fields) != stored_hash:
            problems.append(ChainProblem(fields.seq, "content does not match its hash (edited)"))
        expected_seq, expected_prev = fields.seq + 1, stored_hash
    return problems
