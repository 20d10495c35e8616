"""The published status list is an IETF Token Status List (draft-ietf-oauth-status-list): decoded
here by a decoder written from the draft (not examsvc's) and by @sd-jwt/jwt-status-list (Node);
signed when it changes, not per request; indexes drawn at random."""

from __future__ import annotations

import base64
import json
import subprocess
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from examsvc.certificates import status, statuslist
from examsvc.certificates.models import Certificate
from examsvc.core.db import db_session

from .cert_helpers import api, certified, claims_of

NODE = Path(__file__).parent / "node"


def _part(token: str, at: int) -> dict:
    text = token.split(".")[at]
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _statuses_by_the_draft(lst: str, bits: int, indexes: list[int]) -> list[int]:
    """§4.1 read literally: ZLIB, then index i is bits [i*bits, (i+1)*bits) counted from the least
    significant bit of byte 0 upwards."""
    raw = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    as_bits = [(byte >> k) & 1 for byte in raw for k in range(8)]
    return [sum(as_bits[i * bits + k] << k for k in range(bits)) for i in indexes]


def _suspend_and_revoke(officer, sitting, certs) -> None:  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(
        f"/officer/certificates/{certs[0].id}/revoke", {"reason": "代考", "kind": "other"}, page=page
    )
    officer.post(f"/officer/certificates/{certs[1].id}/suspend", {"reason": "申诉处理中"}, page=page)


def test_the_list_decodes_by_the_draft_with_revoked_and_suspended(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    _suspend_and_revoke(officer, sitting, certs)
    response = client.get("/s/1")
    assert response.status_code == 200 and response.mimetype == "application/statuslist+jwt"
    token = response.get_data(as_text=True)
    header, claims = _part(token, 0), _part(token, 1)
    assert header["typ"] == "statuslist+jwt" and header["alg"] == "EdDSA"
    reference = claims_of(certs[0].token)["status"]["status_list"]
    assert claims["sub"] == reference["uri"] and claims["exp"] > claims["iat"] and claims["ttl"] == 300
    assert claims["status_list"]["bits"] == 2
    indexes = [c.status_index for c in certs]
    assert _statuses_by_the_draft(claims["status_list"]["lst"], 2, indexes) == [1, 2]
    answers = [api(client, {"token": c.token}).get_json() for c in certs]
    assert [a["status"] for a in answers] == ["revoked", "suspended"]
    assert answers[0]["revocation"]["reason"] == "other" and "since" in answers[1]["suspension"]
    assert all(a["listed_at"] and a["checked_at"] for a in answers)
    # The list tells no more than it must: 2^20 indexes whatever the number issued.
    raw = zlib.decompress(base64.urlsafe_b64decode(claims["status_list"]["lst"] + "=="))
    assert len(raw) == statuslist.LIST_SIZE * 2 // 8 and len(token) < 1000


def test_sd_jwt_status_list_reads_the_same_statuses(app, client, sitting, tablet, officer):
    assert (NODE / "node_modules").exists(), "scripts/test.sh installs tests/node (npm ci)"
    certs = certified(app, sitting, tablet, officer)
    _suspend_and_revoke(officer, sitting, certs)
    token = client.get("/s/1").get_data(as_text=True)
    script = (
        "const {getListFromStatusListJWT} = require('@sd-jwt/jwt-status-list');"
        "const [jwt, ...idx] = process.argv.slice(1);"
        "const list = getListFromStatusListJWT(jwt);"
        "console.log(JSON.stringify(idx.map(i => list.getStatus(Number(i)))));"
    )
    indexes = [str(c.status_index) for c in certs]
    done = subprocess.run(
        ["node", "-e", script, token, *indexes], cwd=NODE, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [1, 2]


def test_signed_when_it_changes_not_per_request_and_cached_by_etag(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    first = client.get("/s/1")
    again = client.get("/s/1")
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    unchanged = client.raw.get("/s/1", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/suspend", {"reason": "核查"}, page=page)
    changed = client.raw.get("/s/1", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert client.get("/status/revocation").status_code == 308  # the old address sends verifiers here
    assert client.get("/s/2").status_code == 404


def test_lifting_a_suspension_makes_the_certificate_valid_again_and_is_audited(
    app, client, sitting, tablet, officer
):
    from examsvc.audit.models import AuditEvent

    certs = certified(app, sitting, tablet, officer)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/suspend", {"reason": "申诉"}, page=page)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "suspended"
    assert "暂停" in client.get(f"/v/{certs[0].token}").get_data(as_text=True)
    refused = officer.post(f"/officer/certificates/{certs[0].id}/reinstate", {"reason": " "}, page=page)
    assert (
        refused.status_code == 302  # back to the class page, the refusal flashed
        and api(client, {"token": certs[0].token}).get_json()["status"] == "suspended"
    )
    officer.post(f"/officer/certificates/{certs[0].id}/reinstate", {"reason": "申诉驳回"}, page=page)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"
    with app.app_context():
        actions = db_session().scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("certificate.%"))
        )
        assert {"certificate.suspend", "certificate.reinstate"} <= set(actions)


def test_indexes_are_drawn_at_random_from_the_whole_list(app):
    with app.app_context():
        drawn = status.allocate(db_session(), 300)
    assert len(set(drawn)) == 300 and all(0 <= i < statuslist.LIST_SIZE for i in drawn)
    # Sequential allocation (index = row id) would give 300 neighbours; random ones spread out.
    assert max(drawn) - min(drawn) > statuslist.LIST_SIZE // 2


def test_allocation_skips_indexes_in_use(app, sitting, tablet, officer, monkeypatch):
    certs = certified(app, sitting, tablet, officer)
    taken = iter([certs[0].status_index, certs[0].status_index, 7])
    monkeypatch.setattr(status.secrets, "randbelow", lambda _n: next(taken))
    with app.app_context():
        assert status.allocate(db_session(), 1) == [7]
        assert db_session().scalar(select(Certificate).where(Certificate.status_index == 7)) is None


def test_the_encoder_packs_the_drafts_example():
    """The draft's §4.1 example: 16 statuses of one bit, bytes 0xB9 0xA3."""
    one_bit = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    lst = statuslist.encode({i: s for i, s in enumerate(one_bit) if s}, size=16, bits=1)
    assert statuslist.decode(lst) == bytes([0xB9, 0xA3])
    assert [statuslist.status_at(bytes([0xB9, 0xA3]), i, 1) for i in range(16)] == one_bit
    with pytest.raises(ValueError):
        statuslist.decode(base64.urlsafe_b64encode(zlib.compress(bytes(10**6))).decode().rstrip("="), 1000)


def test_an_unchanged_list_costs_one_read_and_a_change_signs_it_again(
    app, client, sitting, tablet, officer, monkeypatch
):
    """Guard: status.mark_changed and the STALE check in signed_list (each look-up read every
    revoked and suspended row: a client could load the database at will)."""
    certs = certified(app, sitting, tablet, officer)
    first = client.get("/s/1").get_data()
    reads = []
    real = status.statuses
    monkeypatch.setattr(status, "statuses", lambda s: reads.append(1) or real(s))
    assert client.get("/s/1").get_data() == first and reads == []
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/suspend", {"reason": "核查"}, page=page)
    changed = client.get("/s/1").get_data()
    assert changed != first and reads == [1]
    assert client.get("/s/vc/suspension").status_code == 200 and reads == [1]  # made from the same list
