"""Issuing and revoking certificates. Functions flush and never commit.

A certificate is issued for each passed attempt when the officer publishes a sitting; its token is
signed once, with the newest signing key, and never changes. Revocation is a fact kept beside it
(and published in the signed status list), so an issued token stays byte-for-byte what was printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record, record_many
from ..auth.models import User
from ..classes.models import Enrollment, TrainingClass
from ..core.config import Config
from ..core.crypto.jws import sign
from ..core.db import BEIJING, add_years, utcnow
from ..core.msgid import N_, RuleError
from ..core.signing_keys import CERTIFICATE, current_signer
from ..exams.models import Attempt
from . import revocations, status
from .claims import TYP, certificate_claims
from .hours import Credit, YearLine, ledger
from .models import REVOKE_KINDS, Certificate


def claims_of(cert: Certificate, enrollment: Enrollment, status_uri: str) -> dict[str, object]:
    """What the token says (claims.py): small, and no full ID number, not even hashed."""
    training_class: TrainingClass = enrollment.training_class
    return certificate_claims(
        expires=int(cert.expires_at.timestamp()),
        name=enrollment.trainee.name,
        id_last4=enrollment.trainee.id_tail,
        industry=training_class.industry,
        category=training_class.category,
        status_index=cert.status_index,
        status_uri=status_uri,
    )


@dataclass(frozen=True)
class Signer:
    """What signs a batch of certificates: read and unsealed once, not per certificate."""

    kid: str
    key: Ed25519PrivateKey
    status_uri: str  # where the certificates' status list lives

    @classmethod
    def current(cls, config: Config) -> Signer:
        kid, key = current_signer(config.resolved_key_dir(), CERTIFICATE)
        return cls(kid, key, status.list_uri(config.base_url))


def issue(
    session: Session,
    actor: Actor,
    attempt,  # exams.models.Attempt: certificates build on exams, not the other way round
    sat_at: datetime,
    config: Config,
    signer: Signer,
) -> Certificate:
    return issue_many(session, actor, [attempt], sat_at, config, signer)[0]


def issue_many(  # type: ignore[no-untyped-def]
    session: Session, actor: Actor, attempts, sat_at: datetime, config: Config, signer: Signer
) -> list[Certificate]:
    """A certificate for each attempt, in a handful of round trips whatever their number: the rows
    in one insert (their ids give the serials), the tokens in one update, the audit entries in one
    go. Signing is all that is done per certificate; the QR code and PDF wait for a download."""
    if not attempts:
        return []
    enrollments = {
        e.id: e
        for e in session.scalars(
            select(Enrollment).where(Enrollment.id.in_([a.enrollment_id for a in attempts]))
        )
    }
    now = utcnow().replace(microsecond=0)
    year = sat_at.astimezone(BEIJING).year
    certs = []
    for attempt, index in zip(attempts, status.allocate(session, len(attempts)), strict=True):
        enrollment = enrollments[attempt.enrollment_id]
        certs.append(
            Certificate(
                number=f"pending-{index}",
                enrollment_id=enrollment.id,
                attempt_id=attempt.id,
                trainee_id=enrollment.trainee_id,
                class_id=enrollment.class_id,
                hours=enrollment.training_class.total_hours,
                credit_year=year,
                issued_at=now,
                expires_at=add_years(now, config.cert_valid_years),
                kid=signer.kid,
                status_index=index,
            )
        )
    session.add_all(certs)
    session.flush()  # the rows' ids give the serials
    for cert in certs:
        cert.number = f"AQ{year}{cert.id:06d}"
        claims = claims_of(cert, enrollments[cert.enrollment_id], signer.status_uri)
        cert.token = sign(claims, signer.key, signer.kid, TYP)
    session.flush()
    record_many(
        session,
        actor,
        [("certificate.issue", "certificate", cert.id, {"number": cert.number}) for cert in certs],
    )
    return certs


def issue_for_sitting(session: Session, actor: Actor, sitting, config: Config) -> int:  # type: ignore[no-untyped-def]
    """One certificate per passed attempt of a published sitting that has none yet."""
    passed = session.scalars(
        select(Attempt)
        .where(Attempt.sitting_id == sitting.id, Attempt.passed.is_(True))
        .order_by(Attempt.enrollment_id)  # numbers follow the roster, not the order rows happen to come in
    ).all()
    have = set(
        session.scalars(
            select(Certificate.enrollment_id).where(
                Certificate.enrollment_id.in_([a.enrollment_id for a in passed])
            )
        )
    )
    due = [attempt for attempt in passed if attempt.enrollment_id not in have]
    if due:
        issue_many(session, actor, due, sitting.starts_at, config, Signer.current(config))
    return len(due)


def follow_correction(  # type: ignore[no-untyped-def]
    session: Session, actor: Actor, user: User, sitting, attempt, reason: str, config: Config, redis=None
) -> None:
    """After an officer corrects a published result: a new pass gets its certificate, a pass that
    is no longer one loses it (revoked, with the correction's reason)."""
    if sitting.status != "published":
        return  # certificates come with publishing
    cert = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
    if attempt.passed and cert is None:
        issue(session, actor, attempt, sitting.starts_at, config, Signer.current(config))
    elif not attempt.passed and cert is not None and cert.revoked_at is None:
        revoke(
            session,
            actor,
            user,
            cert,
            f"成绩更正 / result corrected: {reason}",
            redis,
            kind="result_corrected",
        )


def trainee_record(session: Session, trainee) -> tuple[list[Certificate], list[YearLine]]:  # type: ignore[no-untyped-def]
    """A trainee's certificates, newest first, and the retraining hours they credit per year
    (revoked and suspended certificates credit nothing)."""
    return trainee_records(session, [trainee.id])[trainee.id]


def trainee_records(
    session: Session, trainee_ids: list[int]
) -> dict[int, tuple[list[Certificate], list[YearLine]]]:
    """trainee_record() of many trainees in one query (an employer's whole staff)."""
    certs: dict[int, list[Certificate]] = {t: [] for t in trainee_ids}
    query = select(Certificate).where(Certificate.trainee_id.in_(trainee_ids)).order_by(Certificate.id.desc())
    for cert in session.scalars(query):
        certs[cert.trainee_id].append(cert)
    return {
        t: (
            mine,
            ledger(
                [
                    Credit(c.credit_year, c.hours, c.enrollment.training_class.industry)
                    for c in mine
                    if c.revoked_at is None and c.suspended_at is None
                ]
            ),
        )
        for t, mine in certs.items()
    }


def _lock(session: Session, cert: Certificate) -> None:
    """The row read again under a lock (PostgreSQL; SQLite's writer lock serialises already): of
    two officers submitting at once, the second sees what the first did and is refused."""
    # A plain row lock first: the certificate's eager join to its enrolment cannot be locked (outer
    # join), and nothing but the status columns needs reading again under it.
    session.execute(select(Certificate.id).where(Certificate.id == cert.id).with_for_update())
    session.refresh(
        cert, ["revoked_at", "revoke_reason", "revoke_kind", "revoked_by", "suspended_at", "suspend_reason"]
    )


def revoke(  # type: ignore[no-untyped-def]
    session: Session,
    actor: Actor,
    user: User,
    cert: Certificate,
    reason: str,
    redis=None,
    kind: str = "other",
) -> None:
    """Final. `redis`: (client, Mirror) of the revocation mirror, marked before the caller commits.
    `kind`: one of REVOKE_KINDS, what verifiers are told (the reason itself stays inside)."""
    reason = reason.strip()
    if not reason:
        raise RuleError(N_("A revocation needs its reason."), field="reason")
    if kind not in REVOKE_KINDS:
        raise RuleError(N_("Choose why the certificate is revoked."), field="kind")
    _lock(session, cert)
    if cert.revoked_at is not None:
        raise RuleError(N_("This certificate is already revoked."))
    cert.revoked_at, cert.revoke_reason, cert.revoked_by = utcnow(), reason[:300], user.id
    cert.revoke_kind = kind
    session.flush()
    status.mark_changed(session)
    if redis is not None:
        try:
            revocations.mark(*redis, cert.status_index)
        except Exception as exc:  # noqa: BLE001 - Redis down: refuse, so the API never says valid wrongly
            raise RuleError(N_("The revocation could not be published; nothing changed. Try again.")) from exc
    record(
        session,
        actor,
        "certificate.revoke",
        "certificate",
        cert.id,
        {"number": cert.number, "reason": reason[:300], "kind": kind},
    )


def suspend(session: Session, actor: Actor, cert: Certificate, reason: str, redis=None) -> None:  # type: ignore[no-untyped-def]
    """Reversible (e.g. while an appeal against the result is open): the status list says
    SUSPENDED and every verifier refuses it until the suspension is lifted. Published in the
    mirror before the caller commits, as a revocation is."""
    reason = reason.strip()
    if not reason:
        raise RuleError(N_("A suspension needs its reason."), field="reason")
    _lock(session, cert)
    if cert.revoked_at is not None or cert.suspended_at is not None:
        raise RuleError(N_("Only a certificate in force can be suspended."))
    cert.suspended_at, cert.suspend_reason = utcnow(), reason[:300]
    session.flush()
    status.mark_changed(session)
    if redis is not None:
        try:
            revocations.suspend(*redis, cert.status_index)
        except Exception as exc:  # noqa: BLE001 - as in revoke()
            raise RuleError(N_("The suspension could not be published; nothing changed. Try again.")) from exc
    record(
        session,
        actor,
        "certificate.suspend",
        "certificate",
        cert.id,
        {"number": cert.number, "reason": reason[:300]},
    )


def lift_suspension(session: Session, actor: Actor, cert: Certificate, reason: str) -> None:
    """The mirror forgets the suspension after the caller commits (views.py): until then the
    database answers, which still says suspended."""
    reason = reason.strip()
    if not reason:
        raise RuleError(N_("Say why the suspension ends."), field="reason")
    _lock(session, cert)
    if cert.suspended_at is None or cert.revoked_at is not None:
        raise RuleError(N_("This certificate is not suspended."))
    cert.suspended_at, cert.suspend_reason = None, None
    session.flush()
    status.mark_changed(session)
    record(
        session,
        actor,
        "certificate.reinstate",
        "certificate",
        cert.id,
        {"number": cert.number, "reason": reason[:300]},
    )


def revoke_class(  # type: ignore[no-untyped-def]
    session: Session, actor: Actor, user: User, training_class: TrainingClass, reason: str, redis=None
) -> int:
    """Every certificate of a class, e.g. when its institution is found to have faked the training."""
    if not reason.strip():
        raise RuleError(N_("A revocation needs its reason."), field="reason")
    certs = session.scalars(
        select(Certificate).where(Certificate.class_id == training_class.id, Certificate.revoked_at.is_(None))
    ).all()
    for cert in certs:
        revoke(session, actor, user, cert, reason, redis, kind="training_invalid")
    return len(certs)
