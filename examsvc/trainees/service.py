"""Trainees and their employers, found again by keyed hash. Functions flush and never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..core.db import utcnow
from ..core.identity import mask, mask_phone
from ..core.keyring import Keyring
from ..orgs.models import Organisation
from ..orgs.service import create_organisation
from . import pii
from .models import Trainee

CHUNK = 5000  # hashes per IN (...) list


def hash_of(keyring: Keyring, doc_type: str, number: str) -> str:
    return pii.id_hash(keyring.id_lookup, doc_type, number)


def by_hashes(session: Session, hashes: Iterable[str]) -> dict[str, Trainee]:
    hashes = list(hashes)
    found: dict[str, Trainee] = {}
    for start in range(0, len(hashes), CHUNK):
        chunk = hashes[start : start + CHUNK]
        found.update(
            {t.id_hash: t for t in session.scalars(select(Trainee).where(Trainee.id_hash.in_(chunk)))}
        )
    return found


def employer_for(
    session: Session, actor: Actor, name: str, code: str, cache: dict[str, Organisation]
) -> Organisation:
    """The employer with this credit code, created the first time a roster names it."""
    if code not in cache:
        employer = session.scalar(
            select(Organisation).where(Organisation.kind == "employer", Organisation.code == code)
        )
        cache[code] = employer or create_organisation(
            session, actor, kind="employer", code=code, name=name, county_code=code[2:8]
        )
    return cache[code]


def upsert(
    session: Session,
    keyring: Keyring,
    existing: Trainee | None,
    *,
    hashed_id: str,
    doc_type: str,
    number: str,
    name: str,
    phone: str,
    employer: Organisation,
    category: str,
    industry: str,
) -> Trainee:
    """The same person is the same trainee in every class. A new person's record takes the roster's
    name, phone and employer; an existing one keeps them: a different name becomes a request to the
    bureau (identity_changes.py), and the phone and employer stay with the enrolment."""
    if existing is not None:
        existing.category, existing.industry, existing.updated_at = category, industry, utcnow()
        return existing
    trainee = Trainee(
        id_type=doc_type,
        id_hash=hashed_id,
        id_sealed=pii.seal(keyring.personal_data, number, "id", hashed_id),
        id_masked=mask(doc_type, number),
        name=name,
        employer_id=employer.id,
        category=category,
        industry=industry,
    )
    trainee.phone_sealed, trainee.phone_masked = sealed_phone(keyring, phone, hashed_id)
    session.add(trainee)
    return trainee


def sealed_phone(keyring: Keyring, phone: str, hashed_id: str) -> tuple[bytes | None, str | None]:
    if not phone:
        return None, None
    return pii.seal(keyring.personal_data, phone, "phone", hashed_id), mask_phone(phone)
