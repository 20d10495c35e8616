"""Two officers changing one certificate's status at the same moment: one change, one refusal, one
audit entry. The race needs PostgreSQL (SQLite lets one writer in at a time anyway)."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.auth.service import actor_of
from examsvc.certificates import service
from examsvc.certificates.models import Certificate
from examsvc.core.db import make_engine
from examsvc.core.msgid import RuleError

from .stored import committed_database

ON_POSTGRESQL = os.environ.get("EXAMSVC_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the race needs PostgreSQL's concurrent writers")
def test_two_officers_revoking_at_once_make_one_revocation(tmp_path):
    """Guard: service._lock (without it both pass the "already revoked?" check they made before
    either wrote: two revocations audited, the second overwriting the first's reason)."""
    url, app, drop = committed_database(tmp_path, "demo", "load")
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            cert_id = s.scalar(select(Certificate.id).where(Certificate.revoked_at.is_(None)).limit(1))
            officer_ids = s.scalars(select(User.id).where(User.role == "officer").limit(2)).all()
        both_loaded = threading.Barrier(2)
        outcomes: list[str] = []

        def revoke(officer_id: int, reason: str) -> None:
            with Session(engine) as s:
                cert, officer = s.get(Certificate, cert_id), s.get(User, officer_id)
                both_loaded.wait()  # each has read the certificate as not revoked
                try:
                    service.revoke(s, actor_of(officer), officer, cert, reason)
                    s.commit()
                    outcomes.append("revoked")
                except RuleError:
                    s.rollback()
                    outcomes.append("refused")

        threads = [
            threading.Thread(target=revoke, args=(officer_ids[i % len(officer_ids)], reason))
            for i, reason in enumerate(("代考", "重复提交"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["refused", "revoked"]
        with Session(engine) as s:
            audited = s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "certificate.revoke", AuditEvent.object_id == str(cert_id))
            )
            assert audited == 1
    finally:
        engine.dispose()
        app.extensions["examsvc.db"].engine.dispose()
        drop()
