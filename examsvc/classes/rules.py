"""The programme's rules for a class (DOMAIN.md), as bureau-tunable settings. Pure.

Each broken rule says which rule and by how much, so the institution knows what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Config
from ..core.msgid import N_


@dataclass(frozen=True)
class ClassRules:
    hours_min: dict[str, int]
    hours_max: dict[str, int]
    offline_share_min: int  # percent of the total, practical training included
    practical_share_min: dict[str, int]  # percent of the total
    cap: dict[str, int]  # trainees per class

    @classmethod
    def from_config(cls, cfg: Config) -> ClassRules:
        low, high = cfg.rule_hours_min_leader_manager, cfg.rule_hours_max_leader_manager
        return cls(
            hours_min={"leader": low, "manager": low, "team_leader": cfg.rule_hours_min_team_leader},
            hours_max={"leader": high, "manager": high, "team_leader": cfg.rule_hours_max_team_leader},
            offline_share_min=cfg.rule_offline_share_min,
            practical_share_min={
                "leader": 0,
                "manager": 0,
                "team_leader": cfg.rule_practical_share_min_team_leader,
            },
            cap={
                "leader": cfg.rule_cap_leader,
                "manager": cfg.rule_cap_other,
                "team_leader": cfg.rule_cap_other,
            },
        )


@dataclass(frozen=True)
class Plan:
    category: str
    hours_online: int
    hours_offline: int
    hours_practical: int

    @property
    def total(self) -> int:
        return self.hours_online + self.hours_offline + self.hours_practical


@dataclass(frozen=True)
class Breach:
    rule: str  # total_hours | offline_share | practical_share | cap
    field: str  # the form field to fix
    message: str  # msgid
    params: tuple[tuple[str, object], ...]

    def text(self) -> str:
        return self.message % dict(self.params)


def _short(needed_percent: int, part: int, total: int) -> int:
    """Hours to move into `part` (from another part, the total unchanged) to reach the share."""
    needed = -(-needed_percent * total // 100)  # ceiling, in whole hours
    return max(needed - part, 0)


def plan_breaches(plan: Plan, rules: ClassRules) -> list[Breach]:
    out = []
    low, high = rules.hours_min[plan.category], rules.hours_max[plan.category]
    if plan.total < low:
        out.append(
            Breach(
                "total_hours",
                "hours_offline",
                N_("Total hours %(total)d are %(short)d below the minimum of %(low)d for this category."),
                (("total", plan.total), ("short", low - plan.total), ("low", low)),
            )
        )
    if plan.total > high:
        out.append(
            Breach(
                "total_hours",
                "hours_online",
                N_("Total hours %(total)d are %(over)d above the maximum of %(high)d for this category."),
                (("total", plan.total), ("over", plan.total - high), ("high", high)),
            )
        )
    offline = plan.hours_offline + plan.hours_practical
    if plan.total and offline * 100 < rules.offline_share_min * plan.total:
        out.append(
            Breach(
                "offline_share",
                "hours_offline",
                N_(
                    "Offline hours (classroom and practical) are %(share)s%% of the total; "
                    "at least %(min)d%% is required: move %(short)d hours from online to offline."
                ),
                (
                    ("share", f"{offline * 100 / plan.total:.1f}"),
                    ("min", rules.offline_share_min),
                    ("short", _short(rules.offline_share_min, offline, plan.total)),
                ),
            )
        )
    practical_min = rules.practical_share_min[plan.category]
    if plan.total and plan.hours_practical * 100 < practical_min * plan.total:
        out.append(
            Breach(
                "practical_share",
                "hours_practical",
                N_(
                    "Practical training is %(share)s%% of the total; team leaders need at least %(min)d%%: "
                    "%(short)d more practical hours."
                ),
                (
                    ("share", f"{plan.hours_practical * 100 / plan.total:.1f}"),
                    ("min", practical_min),
                    ("short", _short(practical_min, plan.hours_practical, plan.total)),
                ),
            )
        )
    return out


def cap_breach(category: str, trainees: int, rules: ClassRules) -> Breach | None:
    cap = rules.cap[category]
    if trainees <= cap:
        return None
    return Breach(
        "cap",
        "roster",
        N_(
            "The roster has %(count)d trainees; a class of this category takes at most %(cap)d "
            "(%(over)d too many)."
        ),
        (("count", trainees), ("cap", cap), ("over", trainees - cap)),
    )
