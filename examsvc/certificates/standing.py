"""The employer's staff standing (一企一册): each person's certificate status and this year's hours.

A row of an employer's sheet names a certificate by its number and its holder's name (bulk.py).
Only a row whose number and name both match tells anything more than not_found: its status, the
certificate's expiry and the holder's retraining hours this year. A wrong name and an unknown number
give the same Standing, field for field, so the page cannot tell whether a number exists.

The rules are pure; check() and credits_this_year() are the I/O, with a bounded number of queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..classes.models import TrainingClass
from ..core.db import BEIJING
from .bulk import BULK_LIMITS, MAX_ROWS, Query
from .hours import Credit, annual_requirement
from .models import Certificate
from .verification import NUMBERS_PER_QUERY, verdicts_by_number

# In the order a summary lists them; no_certificate is the bureau's view only (enterprise staff
# on record without a certificate), an employer's row always names one.
STATUSES = (
    "valid",
    "expiring",
    "expired",
    "revoked",
    "suspended",
    "not_genuine",
    "not_found",
    "no_certificate",
)
# The filed copies (XLSX, PDF) are the bureau's documents: in Chinese, whatever the page's language.
STATUS_ZH = {
    "valid": "有效",
    "expiring": "即将到期",
    "expired": "已过期",
    "revoked": "已撤销",
    "suspended": "已暂停",
    "not_genuine": "非本局颁发",
    "not_found": "未找到",
    "no_certificate": "无合格证",
}
HEADER_ZH = ["行号", "姓名", "证书编号", "状态", "有效期至", "本年度已计学时", "年度要求学时", "尚缺学时"]


@dataclass(frozen=True)
class Standing:
    row: int
    name: str
    number: str
    status: str
    expires_on: date | None = None  # only for a certificate whose number and name matched
    hours_credited: int | None = None
    hours_required: int | None = None

    @property
    def hours_short(self) -> int | None:
        if self.hours_credited is None or self.hours_required is None:
            return None
        return max(0, self.hours_required - self.hours_credited)


def classify(status: str, expires_on: date | None, today: date, expiring_days: int) -> str:
    """A valid certificate whose last day is at most `expiring_days` away is `expiring`."""
    if status == "valid" and expires_on is not None and (expires_on - today).days <= expiring_days:
        return "expiring"
    return status


def hours_this_year(credits: Iterable[Credit], industry: str) -> tuple[int, int]:
    """(credited, required): the strictest industry among the person's own and the year's credits
    sets the requirement, as hours.ledger does."""
    credits = list(credits)
    required = max([annual_requirement(industry), *(annual_requirement(c.industry) for c in credits)])
    return sum(c.hours for c in credits), required


def standing_of(
    row: int,
    name: str,
    number: str,
    status: str,
    expires_at: datetime | None,
    credits: Iterable[Credit],
    industry: str,
    now: datetime,
    expiring_days: int,
) -> Standing:
    """A found certificate's standing. `not_found` says nothing else (see the module's doc)."""
    if status == "not_found":
        return Standing(row, name, number, status)
    today = now.astimezone(BEIJING).date()
    expires_on = expires_at.astimezone(BEIJING).date() if expires_at is not None else None
    credited, required = hours_this_year(credits, industry)
    return Standing(
        row, name, number, classify(status, expires_on, today, expiring_days), expires_on, credited, required
    )


def summary(standings: Iterable[Standing]) -> list[tuple[str, int]]:
    """(status, count) in STATUSES' order, the statuses found only."""
    counts = Counter(s.status for s in standings)
    return [(status, counts[status]) for status in STATUSES if counts[status]]


def filed_rows(standings: Iterable[Standing]) -> list[list[object]]:
    """The XLSX and PDF rows, header first."""
    return [
        HEADER_ZH,
        *(
            [
                s.row,
                s.name,
                s.number,
                STATUS_ZH.get(s.status, s.status),
                s.expires_on.isoformat() if s.expires_on else "",
                "" if s.hours_credited is None else s.hours_credited,
                "" if s.hours_required is None else s.hours_required,
                "" if s.hours_short is None else s.hours_short,
            ]
            for s in standings
        ),
    ]


def credits_this_year(session: Session, trainee_ids: list[int], now: datetime) -> dict[int, list[Credit]]:
    """Each trainee's credits of this Beijing year from certificates in force (not revoked, not
    suspended, not expired): one query per NUMBERS_PER_QUERY trainees."""
    year = now.astimezone(BEIJING).year
    found: dict[int, list[Credit]] = {t: [] for t in trainee_ids}
    for start in range(0, len(trainee_ids), NUMBERS_PER_QUERY):
        query = (
            select(Certificate.trainee_id, Certificate.hours, TrainingClass.industry)
            .join(TrainingClass, TrainingClass.id == Certificate.class_id)
            .where(
                Certificate.trainee_id.in_(trainee_ids[start : start + NUMBERS_PER_QUERY]),
                Certificate.credit_year == year,
                Certificate.revoked_at.is_(None),
                Certificate.suspended_at.is_(None),
                Certificate.expires_at > now,
            )
        )
        for trainee_id, hours, industry in session.execute(query):
            found[trainee_id].append(Credit(year, hours, industry))
    return found


def check(
    session: Session, key_dir: Path, queries: list[Query], now: datetime, expiring_days: int
) -> list[Standing]:
    """Each row's standing: verdicts_by_number's queries, then one batch for the hours."""
    verdicts = verdicts_by_number(session, [(q.number, q.name) for q in queries], key_dir, now)
    matched = [v.certificate for v in verdicts if v.status != "not_found" and v.certificate is not None]
    credits = credits_this_year(session, sorted({c.trainee_id for c in matched}), now)
    standings = []
    for q, verdict in zip(queries, verdicts, strict=True):
        cert = verdict.certificate
        if cert is None or verdict.status == "not_found":
            standings.append(Standing(q.row, q.name, q.number, "not_found"))
            continue
        standings.append(
            standing_of(
                q.row,
                q.name,
                q.number,
                verdict.status,
                cert.expires_at,
                credits[cert.trainee_id],
                cert.enrollment.trainee.industry,
                now,
                expiring_days,
            )
        )
    return standings


# The checked rows travel with the result page, signed, so that its downloads need nothing stored.
# The payload is what the user uploaded (row, number, name); statuses are always computed again.
SEAL_SALT = "examsvc.employer-standing"


class _ClockSigner(TimestampSigner):
    """Signs and checks ages at the app's clock, not the system's."""

    def __init__(self, *args, at: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.at = at

    def get_timestamp(self) -> int:
        return self.at


def _serializer(key: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        key, salt=SEAL_SALT, signer=_ClockSigner, signer_kwargs={"at": int(now.timestamp())}
    )


class BadSeal(ValueError):
    """The signed rows were altered, are too old, or are not rows."""


def seal(queries: list[Query], key: str, now: datetime) -> str:
    return _serializer(key, now).dumps([[q.row, q.number, q.name] for q in queries])


def unseal(token: str, key: str, now: datetime, max_age: int) -> list[Query]:
    try:
        rows = _serializer(key, now).loads(token, max_age=max_age)
    except BadData as exc:  # a bad signature, an expired one, or a payload that is not JSON
        raise BadSeal("the rows are not ours, or too old") from exc
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_ROWS:
        raise BadSeal("not rows")
    queries = []
    for item in rows:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and type(item[0]) is int
            and all(isinstance(v, str) and len(v) <= BULK_LIMITS.max_cell_chars for v in item[1:])
        ):
            raise BadSeal("not rows")
        queries.append(Query(item[0], item[2], item[1]))
    return queries
