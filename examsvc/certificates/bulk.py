"""An employer's bulk check: a sheet of certificates in, each row's status and hours out.

A row names a certificate by its number and its holder's name, as printed on it. Nothing else is
asked or matched: an anonymous look-up by name and ID number would let anyone confirm a stranger's
ID number by trying birth dates. A wrong name and an unknown number answer alike (not_found).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..classes.roster import RowProblem
from ..core.db import BEIJING
from ..core.msgid import N_
from ..core.sheets import Limits
from .verification import verdicts_by_number

MAX_ROWS = 5_000
BULK_LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=MAX_ROWS, max_columns=30, max_cell_chars=100)
HEADERS = {
    "name": ("name", "姓名"),
    "number": ("certificate_number", "证书编号"),
}
PREFERENCE = ("valid", "expired", "revoked", "not_genuine", "not_found")


@dataclass(frozen=True)
class Query:
    row: int
    name: str
    number: str


@dataclass(frozen=True)
class Answer:
    row: int
    name: str
    number: str
    status: str
    valid_hours_this_year: int


def _column(header: list[str], field: str) -> int | None:
    for i, cell in enumerate(header):
        if cell.strip().lower() in HEADERS[field]:
            return i
    return None


def parse(cells: list[list[object]]) -> tuple[list[Query], list[RowProblem]]:
    """The rows to check, or every problem (row, column, rule); nothing is checked if any.
    A row names a certificate by its number and its holder's name: an ID number is never asked
    for, so the look-up cannot be used to find out whose number is whose."""
    if not cells:
        return [], [RowProblem(0, "", N_("the file is empty"))]
    header = [str(c or "") for c in cells[0]]
    at = {field: _column(header, field) for field in HEADERS}
    if at["name"] is None or at["number"] is None:
        return [], [RowProblem(1, "", N_("the first row must name the columns: 姓名 and 证书编号"))]
    body = cells[1:]
    if len(body) > MAX_ROWS:
        return [], [RowProblem(0, "", N_("at most %(max)d rows per file"), (("max", MAX_ROWS),))]
    queries, problems = [], []
    for number, row in enumerate(body, start=2):
        value = {
            f: (str(row[i] or "").strip() if i is not None and i < len(row) else "") for f, i in at.items()
        }
        if not any(value.values()):
            continue
        if not value["name"]:
            problems.append(RowProblem(number, "姓名", N_("required")))
        if not value["number"]:
            problems.append(RowProblem(number, "证书编号", N_("required")))
        queries.append(Query(number, value["name"], value["number"]))
    return queries, problems


def check(session: Session, key_dir: Path, queries: list[Query], now: datetime) -> list[Answer]:
    """Each row's certificate: a wrong name and an unknown number both answer not_found."""
    year = now.astimezone(BEIJING).year
    answers = []
    verdicts = verdicts_by_number(session, [(q.number, q.name) for q in queries], key_dir, now)
    for q, verdict in zip(queries, verdicts, strict=True):
        cert = verdict.certificate
        counts = cert is not None and verdict.status == "valid" and cert.credit_year == year
        hours = cert.hours if counts else 0
        answers.append(Answer(q.row, q.name, q.number, verdict.status, hours))
    return answers
