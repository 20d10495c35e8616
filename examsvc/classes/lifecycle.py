"""Who may move a class from which state to which. Pure.

draft → submitted → approved / returned (with a reason) → exam_scheduled → examined → archived;
a returned class is edited and submitted again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    role: str  # who may do it


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", frozenset({"draft", "returned"}), "submitted", "institution"),
        Transition("approve", frozenset({"submitted"}), "approved", "officer"),
        Transition("return", frozenset({"submitted"}), "returned", "officer"),
        Transition("schedule_exam", frozenset({"approved"}), "exam_scheduled", "officer"),
        Transition("mark_examined", frozenset({"exam_scheduled"}), "examined", "officer"),
        Transition("archive", frozenset({"examined"}), "archived", "officer"),
    )
}

EDITABLE = frozenset({"draft", "returned"})  # the only states in which an institution changes a class


def allowed(name: str, status: str, role: str) -> bool:
    transition = TRANSITIONS.get(name)
    return transition is not None and status in transition.sources and transition.role == role


def editable(status: str) -> bool:
    return status in EDITABLE
