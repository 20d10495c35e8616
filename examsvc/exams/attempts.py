"""The one retake (考试不合格可允许补考一次), as a state machine over an enrollment's attempts. Pure.

An enrollment's exam state follows from its attempts (at most two, which the database enforces):
- no attempt yet                      -> awaiting_exam
- first attempt passed                -> passed (final)
- first failed, or absent (with or
  without an excuse)                  -> retake_pending
- retake passed                       -> passed (final)
- retake failed or absent             -> must_retrain (train again in a new class)

An excuse the officer records does not give a third sitting (the law allows two attempts and the
database holds at most two); it keeps the absence out of the failure figures of the institution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OUTCOMES = ("passed", "failed", "absent", "absent_excused")


@dataclass(frozen=True)
class Attempt:
    sitting: str  # first | retake
    outcome: str  # passed | failed | absent | absent_excused


def state(attempts: Sequence[Attempt]) -> str:
    by_sitting = {a.sitting: a.outcome for a in attempts}
    first, retake = by_sitting.get("first"), by_sitting.get("retake")
    if first == "passed" or retake == "passed":
        return "passed"
    if retake in {"failed", "absent", "absent_excused"}:
        return "must_retrain"
    if first in {"failed", "absent", "absent_excused"}:
        return "retake_pending"
    return "awaiting_exam"


def may_sit(attempts: Sequence[Attempt], sitting: str) -> bool:
    """Whether the enrollment may be seated at a sitting of this kind now."""
    current = state(attempts)
    if sitting == "first":
        return current == "awaiting_exam"
    return current == "retake_pending"
