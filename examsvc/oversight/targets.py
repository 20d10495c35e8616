"""Reading the targets form: one whole number per industry × category, or empty for no target (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.msgid import N_
from ..questions.codes import CATEGORIES, INDUSTRIES

MOST = 1_000_000  # people in one industry × category of a city: far more is a typing error


@dataclass(frozen=True)
class TargetProblem:
    industry: str
    category: str
    value: str
    message: str  # msgid with %(value)s


def field_name(industry: str, category: str) -> str:
    return f"t-{industry}-{category}"


def read_targets(form: dict[str, str]) -> tuple[dict[tuple[str, str], int], list[TargetProblem]]:
    """The targets typed in, and every cell that is not a whole number from 0 to MOST."""
    wanted, problems = {}, []
    for industry in INDUSTRIES:
        for category in CATEGORIES:
            text = form.get(field_name(industry, category), "").strip().replace(",", "").replace("，", "")
            if not text:
                continue
            if not text.isascii() or not text.isdigit() or int(text) > MOST:
                message = N_("“%(value)s” is not a whole number from 0 to 1,000,000")
                problems.append(TargetProblem(industry, category, text[:20], message))
                continue
            wanted[(industry, category)] = int(text)
    return wanted, problems
