"""Retraining hours (再培训学时): what a year's certificates credit against what the law asks. Pure.

Principal leaders and safety managers need at least 12 hours a year; in coal mines, non-coal mines,
hazardous chemicals, fireworks and metal smelting at least 16 (生产经营单位安全培训规定).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HIGH_RISK = frozenset({"coal_mine", "non_coal_mine", "hazardous_chemicals", "fireworks", "metallurgy"})


def annual_requirement(industry: str) -> int:
    return 16 if industry in HIGH_RISK else 12


@dataclass(frozen=True)
class Credit:
    year: int
    hours: int
    industry: str


@dataclass(frozen=True)
class YearLine:
    year: int
    credited: int
    required: int

    @property
    def met(self) -> bool:
        return self.credited >= self.required


def ledger(credits: Iterable[Credit]) -> list[YearLine]:
    """One line per year, newest first; the strictest industry of the year sets the requirement."""
    by_year: dict[int, list[Credit]] = {}
    for credit in credits:
        by_year.setdefault(credit.year, []).append(credit)
    return [
        YearLine(
            year,
            sum(c.hours for c in items),
            max(annual_requirement(c.industry) for c in items),
        )
        for year, items in sorted(by_year.items(), reverse=True)
    ]
