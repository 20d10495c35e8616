"""What a sealed paper is made of, stored so that a copy of the database does not tell it.

With the repository's bank public, a paper's question ids would give away its questions and their
answers, and its seed every seat's order and letters. So the ids are stored only as keyed hashes
(exposure control compares them, never reads them back), and the seed lives in the sealed content.
Papers sealed before this (migration 0016) keep their ids and seed in clear: they are read as they
are, and tell nothing new.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping

from ..core.crypto.keyfiles import SymmetricKey


def question_tag(key: SymmetricKey, question_id: int) -> str:
    """The keyed hash a paper stores for one of its questions (HMAC-SHA256, domain-separated)."""
    return hmac.new(key.material, f"paper-question:{question_id}".encode(), hashlib.sha256).hexdigest()[:32]


def tags_json(key: SymmetricKey, question_ids: Iterable[int]) -> str:
    return json.dumps(sorted(question_tag(key, q) for q in question_ids))  # sorted: no paper order either


def ids_of(stored: str, known: Mapping[str, int]) -> frozenset[int]:
    """The question ids behind a paper's stored tags, for the questions in `known` (tag -> id);
    an older paper's clear ids are taken as they are."""
    found = set()
    for entry in json.loads(stored):
        if isinstance(entry, int):
            found.add(entry)
        elif entry in known:
            found.add(known[entry])
    return frozenset(found)


def seed_of(payload: Mapping[str, object], stored_seed: int | None) -> int:
    """The seed of the seats' variants: in the sealed content, or in clear for an older paper."""
    seed = payload.get("seed", stored_seed)
    if seed is None:
        raise ValueError("a paper without its seed")
    return int(seed)  # type: ignore[arg-type]
