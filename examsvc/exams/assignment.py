"""Proctor assignment rules (培考分离 at the exam). Pure.

- enough proctors: at least the minimum (default 2), plus one for every full 30 candidates;
- nobody proctors a class of an organisation they work or worked for: not the training
  institution, not any trainee's employer (declared affiliations count);
- nobody is in two sittings whose times overlap;
- proctors come from county departments.
A suggestion takes the least-loaded eligible proctors of the venue's county.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..core.msgid import N_


@dataclass(frozen=True)
class Window:
    starts: datetime
    ends: datetime

    def overlaps(self, other: Window) -> bool:
        return self.starts < other.ends and other.starts < self.ends


@dataclass(frozen=True)
class ProctorFacts:
    user_id: int
    name: str
    org_kind: str  # must be "county"
    county_code: str | None
    affiliations: frozenset[int]  # organisation ids they work or worked for
    busy: tuple[Window, ...]  # their other sittings
    load: int  # sittings proctored so far (for balancing)


@dataclass(frozen=True)
class SittingFacts:
    window: Window
    county_code: str
    institution_ids: frozenset[int]  # the class's, and those of candidates moved in
    employer_ids: frozenset[int]
    candidates: int


@dataclass(frozen=True)
class Refusal:
    user_id: int | None
    message: str  # msgid
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


def required_proctors(candidates: int, minimum: int = 2, per: int = 30) -> int:
    return minimum + candidates // per


def proctor_problems(p: ProctorFacts, sitting: SittingFacts) -> list[Refusal]:
    out = []
    if p.org_kind != "county":
        out.append(
            Refusal(p.user_id, N_("%(name)s is not from a county emergency department"), (("name", p.name),))
        )
    if sitting.institution_ids & p.affiliations:
        out.append(
            Refusal(p.user_id, N_("%(name)s works for the class's training institution"), (("name", p.name),))
        )
    if sitting.employer_ids & p.affiliations:
        out.append(
            Refusal(p.user_id, N_("%(name)s works for the employer of a candidate"), (("name", p.name),))
        )
    if any(sitting.window.overlaps(w) for w in p.busy):
        out.append(
            Refusal(p.user_id, N_("%(name)s proctors another sitting at that time"), (("name", p.name),))
        )
    return out


def assignment_problems(
    chosen: Sequence[ProctorFacts], sitting: SittingFacts, minimum: int = 2, per: int = 30
) -> list[Refusal]:
    """Everything wrong with assigning exactly these proctors to the sitting."""
    out = [r for p in chosen for r in proctor_problems(p, sitting)]
    need = required_proctors(sitting.candidates, minimum, per)
    if len({p.user_id for p in chosen}) < need:
        out.append(
            Refusal(
                None,
                N_("%(count)d candidates need at least %(need)d proctors; %(have)d chosen"),
                (("count", sitting.candidates), ("need", need), ("have", len(chosen))),
            )
        )
    return out


def suggest(
    pool: Iterable[ProctorFacts], sitting: SittingFacts, minimum: int = 2, per: int = 30
) -> list[ProctorFacts]:
    """The least-loaded eligible proctors of the venue's county (then of other counties), fewest first."""
    eligible = [p for p in pool if not proctor_problems(p, sitting)]
    eligible.sort(key=lambda p: (p.county_code != sitting.county_code, p.load, p.user_id))
    return eligible[: required_proctors(sitting.candidates, minimum, per)]
