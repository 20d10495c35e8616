"""Certificates: issued on publish, verified by anyone, revoked by officers, never a full ID number."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.certificates.models import Certificate
from examsvc.cli import main
from examsvc.core.crypto.jws import public_key_of, unb64url, verify
from examsvc.core.db import db_session, utcnow

from .cert_helpers import api, certified
from .class_helpers import person
from .helpers import Client, job_file
from .paper_helpers import pdf_text
from .tablet_helpers import close_sitting, enrollments, enter


def _claims(token: str) -> dict:
    return json.loads(unb64url(token.split(".")[1]))


def test_publishing_issues_one_signed_certificate_per_pass(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    assert len(certs) == 2
    claims = _claims(certs[0].token)
    assert set(claims) == {"exp", "name", "id4", "ind", "cat", "status"} and len(claims["id4"]) == 4
    reference = claims["status"]["status_list"]
    assert reference == {"idx": certs[0].status_index, "uri": app.config["EXAMSVC"].base_url + "/s/1"}
    assert json.loads(unb64url(certs[0].token.split(".")[0]))["typ"] == "aqcert+jwt"
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    now = int(utcnow().timestamp())
    assert verify(certs[0].token, {k["kid"]: public_key_of(k) for k in keys}, now, "aqcert+jwt")
    with app.app_context():
        issued = db_session().scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.issue")
        )
        assert issued == 2
    # Publishing twice is refused; no second certificate can exist for an enrollment.
    officer.post(f"/officer/sittings/{sitting.id}/publish", {}, page=f"/officer/classes/{sitting.class_id}")
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(Certificate)) == 2


def test_no_full_id_number_in_token_page_pdf_or_api(app, client, sitting, tablet, officer, tmp_path):
    from examsvc.trainees.models import Trainee

    certs = certified(app, sitting, tablet, officer)
    with app.app_context():
        trainee = db_session().get(Trainee, certs[0].trainee_id)
        masked = trainee.id_masked
    from .class_helpers import person

    full = next(p[2] for i in range(1, 4) if (p := person(i))[0] == trainee.name)
    page = client.get(f"/v/{certs[0].token}").get_data(as_text=True)
    body = json.dumps(api(client, {"token": certs[0].token}).get_json(), ensure_ascii=False)
    pdf = client.get(f"/v/{certs[0].token}/certificate.pdf").get_data()
    text = pdf_text(pdf, tmp_path)
    for where in (certs[0].token, json.dumps(_claims(certs[0].token)), page, body, text):
        assert full not in where and full[:-4] not in where
    # Guard: certificates_pdf(public=True): the holder's copy shows what the public page shows
    # (the last four), not the masked number with its six-digit area code.
    assert masked not in text and masked[:6] not in text and masked[-4:] in text
    assert certs[0].number in text and trainee.name in text


def test_statuses_valid_revoked_expired_not_genuine(app, client, sitting, tablet, officer, monkeypatch):
    certs = certified(app, sitting, tablet, officer)
    token = certs[0].token
    assert "有效" in client.get(f"/v/{token}").get_data(as_text=True)
    assert api(client, {"token": token}).get_json()["status"] == "valid"
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert api(client, {"token": tampered}).get_json()["status"] == "not_genuine"
    page = client.get(f"/v/{tampered}").get_data(as_text=True)
    assert 'id="verdict"' in page and "非本局颁发" in page
    assert api(client, {"token": "x.y.z"}).get_json()["status"] == "not_genuine"
    # by number and name: both must match
    right = {"number": certs[0].number, "name": _claims(token)["name"]}
    assert api(client, right).get_json()["status"] == "valid"
    assert api(client, {**right, "name": "别人"}).get_json()["status"] == "not_found"
    assert api(client, {"number": "AQ2026999999", "name": "张三"}).get_json()["status"] == "not_found"
    assert api(client, {}).status_code == 400
    # revoked by an officer, with a reason
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/revoke", {"reason": ""}, page=page)
    assert api(client, {"token": token}).get_json()["status"] == "valid"  # no reason, no revocation
    officer.post(f"/officer/certificates/{certs[0].id}/revoke", {"reason": "代签到"}, page=page)
    assert api(client, {"token": token}).get_json()["status"] == "revoked"
    assert "已撤销" in client.get(f"/v/{token}").get_data(as_text=True)
    assert client.get(f"/v/{token}/certificate.pdf").status_code == 404  # no e-certificate once revoked
    # expired: later than its exp claim
    from examsvc.certificates import public_views

    later = utcnow() + timedelta(days=365 * 3 + 2)
    monkeypatch.setattr(public_views, "utcnow", lambda: later)
    assert api(client, {"token": certs[1].token}).get_json()["status"] == "expired"


def test_revoking_a_class_tells_verifiers_training_invalid(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(
        f"/officer/classes/{sitting.class_id}/certificates/revoke", {"reason": "虚假培训"}, page=page
    )
    answers = [api(client, {"token": c.token}).get_json() for c in certs]
    assert all(a["status"] == "revoked" for a in answers)
    assert all(a["revocation"]["reason"] == "training_invalid" and a["revocation"]["date"] for a in answers)
    assert "虚假培训" not in json.dumps(answers, ensure_ascii=False)  # the officer's words stay inside


def test_officers_only_download_and_revoke(app, world, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    school = Client(app)
    world.login(school, "school1")
    for path in (
        f"/officer/classes/{sitting.class_id}/certificates/pdf",
        f"/officer/classes/{sitting.class_id}/certificates/zip",
    ):
        assert (
            school.post(path, page="/").status_code == 403 and tablet.post(path, page="/").status_code == 403
        )
    assert (
        school.post(
            f"/officer/certificates/{certs[0].id}/revoke", {"reason": "x"}, page="/institution"
        ).status_code
        == 403
    )
    zipped = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/zip", "/")
    names = zipfile.ZipFile(io.BytesIO(zipped.get_data())).namelist()
    assert sorted(names) == sorted(f"{c.number}.pdf" for c in certs)


def test_keys_rotate_old_certificates_keep_verifying(app, client, sitting, tablet, officer):
    certs = certified(app, sitting, tablet, officer)
    before = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    result = app.test_cli_runner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert before < after
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"
    key_files = list(app.config["EXAMSVC"].resolved_key_dir().glob("cert-signing-*.json"))
    assert key_files and all(
        "sealed" in json.loads(p.read_text()) and "d" not in json.loads(p.read_text()) for p in key_files
    )


def test_export_writes_json_lines(app, sitting, tablet, officer, tmp_path):
    certs = certified(app, sitting, tablet, officer)
    out = tmp_path / "certs.jsonl"
    result = app.test_cli_runner().invoke(main, ["certs", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["number"] for line in lines] == [c.number for c in certs]
    assert {line["status"] for line in lines} == {"valid"} and lines[0]["token"] == certs[0].token
    officer.post(
        f"/officer/certificates/{certs[1].id}/revoke",
        {"reason": "代签到"},
        page=f"/officer/classes/{sitting.class_id}",
    )
    assert app.test_cli_runner().invoke(main, ["certs", "export", "--out", str(out)]).exit_code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["status"] for line in lines] == ["valid", "revoked"]
    details = lines[1]["certificate"]
    assert (
        details["number"] == certs[1].number and details["name"] == "学员2" and len(details["id_last4"]) == 4
    )
    text = out.read_text(encoding="utf-8")  # masked details only: no full ID number in the file
    assert all(person(n)[2] not in text for n in (1, 2, 3)) and person(2)[2][-4:] == details["id_last4"]


def test_a_correction_after_publishing_issues_or_revokes(
    app, client, sitting, tablet, officer, second_officer
):
    from examsvc.exams.models import Attempt

    from .tablet_helpers import correct, right_answers

    certs = certified(app, sitting, tablet, officer)  # seat 3 failed: no certificate
    with app.app_context():
        failed = db_session().scalar(select(Attempt).where(Attempt.seat_no == 3))
        passed = db_session().scalar(select(Attempt).where(Attempt.id == certs[0].attempt_id))
    fix = {
        "presence": "present",
        "seat_no": "3",
        "answers": right_answers(app, sitting, 3),
        "reason": "阅卷错误",
    }
    correct(app, officer, second_officer, sitting, failed.id, fix)
    with app.app_context():
        new = db_session().scalar(select(Certificate).where(Certificate.attempt_id == failed.id))
        assert new is not None and new.revoked_at is None
    blank = {
        "presence": "present",
        "seat_no": str(passed.seat_no),
        "answers": " ".join(["-"] * 90),
        "reason": "答题卡录错",
    }
    correct(app, officer, second_officer, sitting, passed.id, blank)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "revoked"


def test_a_new_key_verifies_at_once_and_a_withdrawn_key_within_a_second(
    app, client, sitting, tablet, officer, monkeypatch
):
    from examsvc.certificates.verification import claims_even_if_expired
    from examsvc.core import signing_keys as signing
    from examsvc.core.crypto.jws import sign

    certs = certified(app, sitting, tablet, officer)
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "valid"  # keys now cached
    key_dir, now = app.config["EXAMSVC"].resolved_key_dir(), int(utcnow().timestamp())
    old_files = list(key_dir.glob("cert-signing-*.json"))
    assert app.test_cli_runner().invoke(main, ["keys", "rotate", "--now"]).exit_code == 0  # "another process"
    kid, key = signing.current_signer(key_dir)
    resigned = sign(_claims(certs[0].token), key, kid, "aqcert+jwt")
    assert claims_even_if_expired(resigned, key_dir, now)[0] == "valid"
    for path in old_files:  # the operator withdraws the old key (say it leaked)
        path.unlink()
    monkeypatch.setattr(signing, "RECHECK_SECONDS", 0.0)  # instead of waiting a second
    assert api(client, {"token": certs[0].token}).get_json()["status"] == "not_genuine"
    published = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    status_kids = [key.kid for key in signing.published(key_dir, signing.STATUS)]
    assert published == [kid, *status_kids]


def test_public_keys_and_the_revocation_list_may_be_cached_pages_may_not(client):
    assert client.get("/.well-known/jwks.json").headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/s/1").headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/verify").headers["Cache-Control"] == "no-store"


def test_certificate_numbers_follow_the_roster_not_the_order_of_entry(app, sitting, tablet, officer):
    """The second candidate is entered first; numbers still follow the roster (PostgreSQL returned
    the passed attempts in whatever order its pages held them, and a CI rehearsal saw them swapped)."""
    first, second, third = enrollments(app, sitting)
    enter(app, tablet, sitting, second, 2, right=True)
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, third, 3, right=False)
    close_sitting(app, tablet, officer, sitting)
    with app.app_context():
        issued = (
            db_session().execute(select(Certificate.enrollment_id).order_by(Certificate.number)).scalars()
        )
        assert list(issued) == [first, second]


def test_the_api_takes_a_pasted_verification_url_and_any_origin_may_read_it(
    app, client, sitting, tablet, officer
):
    """Guards: verification.token_of in public_views._verdict (a pasted URL was "not genuine"),
    and CORS_HEADERS on the machine-readable public endpoints only (preflight included)."""
    certs = certified(app, sitting, tablet, officer)
    url = f"{app.config['EXAMSVC'].base_url}/v/{certs[0].token}?utm_source=wechat"
    assert api(client, {"token": url}).get_json()["status"] == "valid"
    preflight = client.raw.options(
        "/api/v1/verify",
        headers={"Origin": "https://hr.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    for path in ("/.well-known/jwks.json", "/s/1", "/api/openapi.json"):
        assert client.get(path).headers["Access-Control-Allow-Origin"] == "*", path
    for path in ("/verify", "/login", f"/v/{certs[0].token}"):
        assert "Access-Control-Allow-Origin" not in client.get(path).headers, path
