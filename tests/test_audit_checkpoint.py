"""Signed checkpoints of the audit chain: a chain rewritten from end to end passes its own check but not
a checkpoint taken before; a checkpoint not signed by the bureau's key proves nothing."""

from __future__ import annotations

import io
from dataclasses import fields, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text, update

from examsvc.audit import service as audit
from examsvc.audit.chain import EntryFields, entry_hash
from examsvc.audit.models import AuditEvent
from examsvc.cli import main
from examsvc.core.crypto.jws import sign
from examsvc.core.db import db_session

from .helpers import Client
from .test_audit import _append, _drop_append_only_guard


def _rewrite_from(app, seq: int) -> None:  # type: ignore[no-untyped-def]
    """What someone with full database rights could do: edit entry `seq`, then recompute every hash
    after it, so that the chain is consistent again."""
    with app.app_context():
        s = db_session()
        _drop_append_only_guard(s)
        s.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(detail='{"i":"forged"}'))
        previous = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))
        for event in s.scalars(
            select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)
        ).all():
            entry = EntryFields(**{f.name: getattr(event, f.name) for f in fields(EntryFields)})
            entry = replace(entry, at=event.at.replace(tzinfo=None), prev_hash=previous)
            previous = entry_hash(entry)
            s.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :seq"),
                {"p": entry.prev_hash, "h": previous, "seq": event.seq},
            )
        s.commit()
    with app.app_context():
        assert audit.verify(db_session()).ok  # the chain alone no longer sees it


def test_a_rewritten_chain_fails_against_an_earlier_checkpoint(app, tmp_path):
    _append(app, 5)
    runner = app.test_cli_runner()
    made = runner.invoke(main, ["audit", "checkpoint", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    (saved,) = tmp_path.glob("audit-checkpoint-*-5.jwt")
    held = runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)])
    assert held.exit_code == 0 and "held" in held.output, held.output
    _append(app, 2)  # the chain goes on growing: the checkpoint still holds
    assert runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)]).exit_code == 0
    _rewrite_from(app, 2)
    assert runner.invoke(main, ["audit", "verify"]).exit_code == 0
    caught = runner.invoke(main, ["audit", "verify", "--checkpoint", str(saved)])
    assert caught.exit_code == 1
    assert "entry 5 differs from the checkpoint: the chain was rewritten" in caught.output


def test_a_checkpoint_not_signed_by_the_bureau_proves_nothing(app, tmp_path):
    _append(app, 3)
    with app.app_context():
        head = audit.verify(db_session()).head_hash
    claims = {"typ": "examsvc-audit-checkpoint", "iat": 1, "exp": 2**31 - 1, "seq": 3, "head": head}
    forged = tmp_path / "forged.jwt"
    forged.write_text(sign(claims, Ed25519PrivateKey.generate(), "someone-else"))
    result = app.test_cli_runner().invoke(main, ["audit", "verify", "--checkpoint", str(forged)])
    assert result.exit_code == 1 and "not a checkpoint signed by this bureau" in result.output


def test_officers_download_and_check_checkpoints_in_the_browser(app, world, officer):
    _append(app, 3)
    download = officer.get("/audit/checkpoint.jwt")
    assert download.status_code == 200 and download.mimetype == "application/jwt"
    token = download.get_data()
    with app.app_context():
        last = db_session().scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last.action == "audit.checkpoint" and last.actor_label == "officer1"

    def check(data: bytes):  # type: ignore[no-untyped-def]
        return officer.post(
            "/audit/verify",
            {"files": (io.BytesIO(data), "today.jwt")},
            page="/audit/verify",
            content_type="multipart/form-data",
        )

    held = check(token)
    assert held.status_code == 200 and "today.jwt" in held.get_data(as_text=True)
    _rewrite_from(app, 2)
    caught = check(token)
    assert caught.status_code == 409
    assert "审计链已被改写" in caught.get_data(as_text=True)


def test_only_officers_and_admins_take_or_check_checkpoints(app, world, school):
    assert school.get("/audit/checkpoint.jwt").status_code == 403
    anonymous = Client(app)
    assert anonymous.raw.get("/audit/checkpoint.jwt").status_code == 302  # to the sign-in page


def test_checking_needs_the_csrf_token(app, world, officer):
    answer = officer.raw.post("/audit/verify", data={"files": (io.BytesIO(b"x"), "a.jwt")})
    assert answer.status_code == 400


def test_no_checkpoint_vouches_for_a_broken_chain(app, tmp_path):
    _append(app, 3)
    with app.app_context():
        s = db_session()
        _drop_append_only_guard(s)
        s.execute(text("UPDATE audit_event SET action = 'x' WHERE seq = 2"))
        s.commit()
    result = app.test_cli_runner().invoke(main, ["audit", "checkpoint", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "broken at entry 2" in result.output
    assert not list(tmp_path.glob("*.jwt"))
