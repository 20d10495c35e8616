"""An employer's bulk check: a sheet of employees in, each row's certificate status and hours out.

Rows name a person by name + ID number, or a certificate by its number + the holder's name. ID
numbers are only turned into the keyed lookup hash and compared; they are never stored, logged or
written back (the result shows the masked form).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..classes.roster import RowProblem
from ..core.db import BEIJING
from ..core.identity import id_card_problem, mask, normalise
from ..core.keyring import Keyring
from ..core.msgid import N_
from ..trainees.service import by_hashes, hash_of
from .models import Certificate
from .verification import Verdict, verdict_by_number, verdict_of_certificate

MAX_ROWS = 5_000
HEADERS = {
    "name": ("name", "姓名"),
    "id_number": ("id_number", "证件号码", "身份证号", "身份证号码"),
    "number": ("certificate_number", "证书编号"),
}
PREFERENCE = ("valid", "expired", "revoked", "not_genuine", "not_found")  # the best a person holds


@dataclass(frozen=True)
class Query:
    row: int
    name: str
    id_number: str
    number: str


@dataclass(frozen=True)
class Answer:
    row: int
    name: str
    id_masked: str
    number: str
    status: str
    valid_hours_this_year: int


def _column(header: list[str], field: str) -> int | None:
    for i, cell in enumerate(header):
        if cell.strip().lower() in HEADERS[field]:
            return i
    return None


def parse(cells: list[list[object]]) -> tuple[list[Query], list[RowProblem]]:
    """The rows to check, or every problem (row, column, rule); nothing is checked if any."""
    if not cells:
        return [], [RowProblem(0, "", N_("the file is empty"))]
    header = [str(c or "") for c in cells[0]]
    at = {field: _column(header, field) for field in HEADERS}
    if at["name"] is None or (at["id_number"] is None and at["number"] is None):
        return [], [
            RowProblem(1, "", N_("the first row must name the columns: 姓名 and 证件号码 or 证书编号"))
        ]
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
        if not value["id_number"] and not value["number"]:
            problems.append(
                RowProblem(number, "证件号码", N_("give the ID number or the certificate number"))
            )
        elif value["id_number"] and (wrong := id_card_problem(value["id_number"])):
            problems.append(RowProblem(number, "证件号码", wrong))
        queries.append(Query(number, value["name"], normalise(value["id_number"]), value["number"]))
    return queries, problems


def _hours_this_year(certs: list[tuple[Certificate, Verdict]], year: int) -> int:
    return sum(c.hours for c, v in certs if v.status == "valid" and c.credit_year == year)


def check(
    session: Session, keyring: Keyring, key_dir: Path, queries: list[Query], now: datetime
) -> list[Answer]:
    year = now.astimezone(BEIJING).year
    hashes = {q.row: hash_of(keyring, "id_card", q.id_number) for q in queries if q.id_number}
    people = by_hashes(session, hashes.values())
    matched = {row: people[h] for row, h in hashes.items() if h in people}
    held_by: dict[int, list[Certificate]] = {}
    ids = {t.id for t in matched.values()}
    for cert in session.scalars(select(Certificate).where(Certificate.trainee_id.in_(ids))) if ids else []:
        held_by.setdefault(cert.trainee_id, []).append(cert)
    answers = []
    for q in queries:
        if q.number:
            verdict = verdict_by_number(session, q.number, q.name, key_dir, now)
            held = [(verdict.certificate, verdict)] if verdict.certificate else []
        else:
            trainee = matched.get(q.row)
            certs = held_by.get(trainee.id, []) if trainee is not None and trainee.name == q.name else []
            held = [(c, verdict_of_certificate(c, key_dir, now)) for c in certs]
        best = min(held, key=lambda cv: PREFERENCE.index(cv[1].status), default=None)
        answers.append(
            Answer(
                q.row,
                q.name,
                mask("id_card", q.id_number) if q.id_number else "",
                best[0].number if best else q.number,
                best[1].status if best else "not_found",
                _hours_this_year(held, year),
            )
        )
    return answers
