"""Counts of the bank by type, topic, industry, category and difficulty (metadata only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Question, QuestionVersion
from .service import current_versions_query

DIMENSIONS = ("type", "topic", "industry", "category", "difficulty")


@dataclass(frozen=True)
class BankStats:
    status_counts: dict[str, int]
    active: int
    totals: dict[str, dict[str, int]]  # dimension -> value -> active questions (category: usable by it)
    cells: list[dict[str, object]]  # one per type × topic × industry × category × difficulty

    def as_json(self) -> dict[str, object]:
        return {"status": self.status_counts, "active": self.active, "by": self.totals, "cells": self.cells}


def summarise(rows: Iterable[tuple[str, str, str, int, tuple[str, ...]]]) -> tuple[int, dict, list]:
    """Pure: (type, topic, industry, difficulty, categories) of each active question -> counts."""
    totals: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    cells: Counter[tuple[str, str, str, str, int]] = Counter()
    active = 0
    for qtype, topic, industry, difficulty, categories in rows:
        active += 1
        for dimension, value in (
            ("type", qtype),
            ("topic", topic),
            ("industry", industry),
            ("difficulty", difficulty),
        ):
            totals[dimension][str(value)] += 1
        for category in categories:
            totals["category"][category] += 1
            cells[(qtype, topic, industry, category, difficulty)] += 1
    cell_list = [dict(zip(DIMENSIONS, key, strict=True), count=count) for key, count in sorted(cells.items())]
    return active, {d: dict(sorted(c.items())) for d, c in totals.items()}, cell_list


def bank_stats(session: Session) -> BankStats:
    status_counts = dict(
        session.execute(select(Question.status, func.count()).group_by(Question.status)).all()
    )
    versions = session.scalars(
        current_versions_query().with_only_columns(QuestionVersion).where(Question.status == "active")
    )
    active, totals, cells = summarise(
        (v.type, v.topic, v.industry, v.difficulty, v.categories) for v in versions
    )
    return BankStats(status_counts, active, totals, cells)
