"""Flags an item's measures raise for an officer's review.

A flag is a stable code and its parameters; the codes are stored and the web layer translates them,
so a code is never renamed. The flags read only what one sitting's ItemMeasures and the pooled view
(PooledItem) both have, so either can be judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .measures import ItemKey, OptionCounts

TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
LOW_DISCRIMINATION = "low_discrimination"
NEGATIVE_DISCRIMINATION = "negative_discrimination"
RARE_OPTION = "rare_option"
DISTRACTOR_BEATS_KEY = "distractor_beats_key"

# For documentation only: the web layer has its own translated wording.
EXPLANATIONS = {
    TOO_EASY: "Nearly everyone answers it right (facility above the threshold): it tells candidates apart "
    "little and may test common sense rather than the training.",
    TOO_HARD: "Few answer it right (facility below the threshold): check the key, the wording and whether "
    "the training covers it.",
    LOW_DISCRIMINATION: "The item score hardly follows the rest of the paper (corrected point-biserial "
    "between 0 and the threshold): strong and weak candidates do about equally well on it.",
    NEGATIVE_DISCRIMINATION: "Candidates who do worse on the rest of the paper do better on this item "
    "(negative corrected point-biserial): a wrong key or a misleading stem is likely.",
    RARE_OPTION: "A wrong option almost nobody marks (share below the threshold): it does not distract "
    "and should be a more plausible misreading. Not raised for true/false items.",
    DISTRACTOR_BEATS_KEY: "In the upper group a wrong option is marked more often than the key (for "
    "multiple choice: than the least-marked right option): the key or the option's wording is suspect.",
}


@dataclass(frozen=True)
class Thresholds:
    easy_above: float = 0.95
    hard_below: float = 0.20
    discrimination_below: float = 0.15
    rare_option_below: float = 0.02
    min_sample: int = 30


@dataclass(frozen=True)
class Flag:
    code: str
    params: dict[str, object] = field(default_factory=dict, hash=False)

    def as_json(self) -> dict[str, object]:
        """The {code, params} shape stored in the item statistics and review tables."""
        return {"code": self.code, "params": dict(self.params)}


class ItemView(Protocol):
    """What the flags read: ItemMeasures and PooledItem both have it."""

    @property
    def n(self) -> int: ...

    @property
    def facility(self) -> float: ...

    @property
    def point_biserial(self) -> float | None: ...

    @property
    def options(self) -> tuple[OptionCounts, ...]: ...

    def rate(self, option: str) -> float: ...

    def upper_rate(self, option: str) -> float: ...


def item_flags(measures: ItemView, key: ItemKey, thresholds: Thresholds | None = None) -> tuple[Flag, ...]:
    """The flags of one item, in a fixed order: difficulty, discrimination, rare options, distractors
    that beat the key (options in option order). None at all below the minimum sample: a handful of
    candidates proves nothing."""
    limits = thresholds or Thresholds()
    if measures.n < limits.min_sample:
        return ()
    flags: list[Flag] = []
    p, r = measures.facility, measures.point_biserial
    if p > limits.easy_above:
        flags.append(Flag(TOO_EASY, {"facility": _short(p), "threshold": limits.easy_above}))
    if p < limits.hard_below:
        flags.append(Flag(TOO_HARD, {"facility": _short(p), "threshold": limits.hard_below}))
    if r is not None and r < 0:
        flags.append(Flag(NEGATIVE_DISCRIMINATION, {"point_biserial": _short(r)}))
    elif r is not None and r < limits.discrimination_below:
        flags.append(
            Flag(LOW_DISCRIMINATION, {"point_biserial": _short(r), "threshold": limits.discrimination_below})
        )
    wrong = [option for option in key.options if option not in key.key]
    # A true/false item has one wrong option by nature: a rarely marked "false" is no weak distractor.
    if len(key.options) > 2:
        for option in wrong:
            if measures.rate(option) < limits.rare_option_below:
                flags.append(
                    Flag(
                        RARE_OPTION,
                        {
                            "option": option,
                            "rate": _short(measures.rate(option)),
                            "threshold": limits.rare_option_below,
                        },
                    )
                )
    key_upper = min(measures.upper_rate(option) for option in key.key)
    for option in wrong:
        if measures.upper_rate(option) > key_upper:
            flags.append(
                Flag(
                    DISTRACTOR_BEATS_KEY,
                    {
                        "option": option,
                        "upper_rate": _short(measures.upper_rate(option)),
                        "key_upper_rate": _short(key_upper),
                    },
                )
            )
    return tuple(flags)


def _short(value: float) -> float:
    return round(value, 4)
