"""Blueprints (组卷规则): what a paper must hold, checked by pure rules.

Points are kept in tenths so that 1.5-point questions add up exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..core.msgid import N_
from ..questions.codes import QUESTION_TYPES, REQUIRED_TOPICS


@dataclass(frozen=True)
class Spec:
    counts: Mapping[str, int]  # question type -> how many
    points_tenths: Mapping[str, int]  # question type -> points per question, in tenths
    full_mark: int = 100
    pass_mark: int = 80
    duration_minutes: int = 90
    min_per_topic: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(REQUIRED_TOPICS, 2))
    industry_share_percent: int = 30  # of the questions, at least this share industry-specific
    target_difficulty_tenths: int = 28  # mean difficulty 2.8
    difficulty_tolerance_tenths: int = 3
    # multiple choice: share of the points for a correct but incomplete answer (0: all or nothing)
    partial_credit_percent: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def industry_minimum(self) -> int:
        return -(-self.industry_share_percent * self.total // 100)

    def points_of(self, qtype: str) -> float:
        return self.points_tenths[qtype] / 10


DEFAULT_SPEC = Spec(
    counts={"truefalse": 40, "single": 40, "multiple": 10},
    points_tenths={"truefalse": 10, "single": 10, "multiple": 20},
)


@dataclass(frozen=True)
class SpecProblem:
    field: str
    message: str
    params: tuple[tuple[str, object], ...] = ()

    def text(self) -> str:
        return self.message % dict(self.params) if self.params else self.message


def spec_problems(spec: Spec) -> list[SpecProblem]:
    out = []
    if set(spec.counts) != set(QUESTION_TYPES) or any(n < 0 for n in spec.counts.values()):
        out.append(SpecProblem("counts", N_("give a count of 0 or more for every question type")))
    if any(spec.points_tenths.get(t, 0) <= 0 for t, n in spec.counts.items() if n):
        out.append(SpecProblem("points", N_("every question type used needs points above 0")))
    total_tenths = sum(n * spec.points_tenths.get(t, 0) for t, n in spec.counts.items())
    if total_tenths != spec.full_mark * 10:
        out.append(
            SpecProblem(
                "points",
                N_("the questions add up to %(sum)s points, not the full mark %(full)d"),
                (("sum", f"{total_tenths / 10:g}"), ("full", spec.full_mark)),
            )
        )
    if not 0 < spec.pass_mark <= spec.full_mark:
        out.append(SpecProblem("pass_mark", N_("the pass mark must be above 0 and at most the full mark")))
    if not 10 <= spec.duration_minutes <= 300:
        out.append(SpecProblem("duration_minutes", N_("the duration must be 10 to 300 minutes")))
    if sum(spec.min_per_topic.values()) > spec.total:
        out.append(
            SpecProblem("min_per_topic", N_("the topic minimums ask for more questions than the paper holds"))
        )
    if not 0 <= spec.partial_credit_percent <= 100:
        out.append(SpecProblem("partial_credit_percent", N_("partial credit is a percentage from 0 to 100")))
    if not 0 <= spec.industry_share_percent <= 100:
        out.append(
            SpecProblem("industry_share_percent", N_("the industry share is a percentage from 0 to 100"))
        )
    if not 10 <= spec.target_difficulty_tenths <= 50:
        out.append(SpecProblem("target_difficulty", N_("the target difficulty is between 1.0 and 5.0")))
    return out
