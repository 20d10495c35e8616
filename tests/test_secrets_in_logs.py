"""No secret in the logs, error pages, exports or audit trail, after a whole exam run through the app.

The secrets: every full ID and phone number, every password typed, the TOTP keys, the Flask secret
key, every key file (its base64, hex and base64url forms; the signing key's sealed and raw private
halves), session cookies, the login token and CSRF tokens kept in the session, the CSRF tokens on
the forms, and every certificate token (its claims hold a name). Pages that show a secret to its
owner on purpose (the enrolment key, a certificate's QR link) are not searched; error pages are.
SQL echo is a separate debugging switch (SQLAlchemy keeps its loggers at WARNING whatever the root
level): tests/test_personal_data.py searches it for ID numbers.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import time
import zipfile

from openpyxl import load_workbook
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.auth.models import User
from examsvc.certificates import public_views
from examsvc.core.crypto import totp
from examsvc.core.db import db_session
from examsvc.core.pdf import PdfError
from examsvc.core.signing_keys import CERTIFICATE, STATUS, current_signer

from .cert_helpers import altered, api
from .class_helpers import person, roster_csv
from .conftest import PASSWORD, _b32decode, schedule_sitting
from .helpers import Client, csrf_token_in, job_file
from .hostile_helpers import approve, hold_exam, register_class, submit, upload_roster
from .paper_helpers import import_bank

NEW_OFFICER_PASSWORD = "Kaowu#Secret-2026"
RESET_PASSWORD = "Reset#Secret-7731"
WRONG_PASSWORD = "Guess#Secret-0000"


def _forms(name: str, raw: bytes) -> dict[str, str]:
    """A key in every form a leak might take."""
    return {
        f"{name} (hex)": raw.hex(),
        f"{name} (base64)": base64.b64encode(raw).decode(),
        f"{name} (base64url)": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def key_secrets(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    key_dir = app.config["EXAMSVC"].resolved_key_dir()
    found = {}
    for path in key_dir.iterdir():
        if path.suffix == ".key":
            raw = base64.b64decode(path.read_text().strip())
            found |= _forms(path.name, raw)
        elif path.suffix == ".json":
            found[f"{path.name} sealed"] = json.loads(path.read_text())["sealed"]
        elif path.name == "doc-signing-key.pem":  # the PEM body past its fixed ASN.1 header
            found["document-signing key"] = "".join(path.read_text().splitlines()[1:-1])[24:84]
    for purpose in (CERTIFICATE, STATUS):
        _, private = current_signer(key_dir, purpose)
        found |= _forms(f"{purpose} signing private key", private.private_bytes_raw())
    assert len(found) >= 16  # personal data, ID lookup, bank and certificate keys, signing key
    return found


def session_secrets(name: str, client: Client) -> dict[str, str]:
    """The cookie, the login token and raw CSRF token inside it, and the token the forms carry."""
    cookie = client.raw.get_cookie("examsvc")
    with client.raw.session_transaction() as session:
        kept = {k: v for k, v in session.items() if k in ("_user_id", "csrf_token")}
    found = {f"{name} session cookie": cookie.value, f"{name} form CSRF token": client.token("/account")}
    return found | {f"{name} session {k}": str(v) for k, v in kept.items()}


def enrol_new_officer(admin: Client, world, app) -> tuple[Client, str]:  # type: ignore[no-untyped-def]
    """An admin creates an officer, who signs in and enrols an authenticator through the pages."""
    form = {"username": "officer9", "display_name": "王考务", "role": "officer", "org_id": world.bureau}
    assert admin.post("/admin/users/new", {**form, "password": NEW_OFFICER_PASSWORD}).status_code == 302
    officer = Client(app)
    officer.post("/login", {"username": "officer9", "password": NEW_OFFICER_PASSWORD})
    page = officer.get("/login/totp").get_data(as_text=True)
    key = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    secret = _b32decode(key)
    code = {"code": totp.code_at(secret, time.time()), "csrf_token": csrf_token_in(page)}
    assert officer.raw.post("/login/totp", data=code).status_code == 302
    return officer, key


def test_no_secret_in_logs_error_pages_exports_or_audit_trail(
    app, world, officer, monkeypatch, caplog, capfd
):
    caplog.set_level(logging.DEBUG)  # the root logger: every logger without a level of its own
    admin, school, public = Client(app), Client(app), Client(app)
    world.login(admin, "admin1")
    new_officer, officer9_key = enrol_new_officer(admin, world, app)
    reset_proctor_password(app, admin)
    assert public.post("/login", {"username": "school1", "password": WRONG_PASSWORD}).status_code == 200
    world.login(school, "school1")

    # The exam: a roster of real-looking people (a bad upload first), paper, sitting, results.
    people = [person(i, hours=24) for i in range(1, 4)]
    import_bank(app)
    class_id = register_class(school, people)
    bad_id = people[0][2][:-1] + ("0" if people[0][2][-1] != "0" else "1")  # checksum broken
    bad_upload = upload_roster(school, class_id, [person(9, id=bad_id)], expect=422)
    submit(school, class_id)
    approve(officer, class_id)
    sitting = schedule_sitting(app, officer, class_id, "first")
    tablet, second = Client(app), Client(app)
    tablet.login("proctor1", PASSWORD)
    second.login("proctor2", RESET_PASSWORD)
    exam = hold_exam(app, officer, tablet, second, sitting, [True, True, False])
    tokens = [c.token for c in exam.certificates]

    # Verification: the QR page, the holder's PDF, the API, by number and name, an employer's sheet.
    public.get(f"/v/{tokens[0]}")
    assert public.get(f"/v/{tokens[0]}/certificate.pdf").status_code == 200
    assert api(public, {"token": tokens[1]}).get_json()["status"] == "valid"
    public.post("/verify", {"number": exam.certificates[0].number, "name": people[0][0]})
    numbers = [c.number for c in exam.certificates] + ["AQ2026999999"]  # the third failed: unknown
    employees = [[p[0], p[2], n] for p, n in zip(people, numbers, strict=False)] + [
        ["某人", person(40)[2], "X"]
    ]
    # An HR export with ID numbers in it: the column is not read, and the numbers go nowhere.
    sheet = roster_csv(employees, header=["姓名", "证件号码", "证书编号"])
    upload = {"sheet": (io.BytesIO(sheet), "staff.csv")}
    bulk = public.post("/verify/bulk", upload, page="/verify", content_type="multipart/form-data")
    assert bulk.status_code == 200

    pages = error_pages(app, monkeypatch, public, school, tokens)
    pages.append((bad_upload, f"/institution/classes/{class_id}/roster"))  # 422: the bad ID's row
    exports = [bulk.get_data(as_text=True), *officer_exports(officer, class_id, exam)]
    with app.app_context():
        audit = "\n".join(
            f"{e.actor_label} {e.action} {e.object_type} {e.object_id} {e.detail}"
            for e in db_session().scalars(select(AuditEvent))
        )
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")  # tracebacks included
    logs = "\n".join(formatter.format(r) for r in caplog.get_records("setup") + caplog.get_records("call"))
    out, err = capfd.readouterr()
    places = {
        "logs": logs,
        "stdout/stderr": out + err,
        "error pages": "\n".join(_without_own(page, path) for page, path in pages),
        "exports": "\n".join(exports),
        "audit trail": audit,
    }
    # The search looks where it should: the request log, the exception, the files, the audit rows.
    assert (
        '"route":"/v/<token>/certificate.pdf"' in logs and "PdfError" in logs and "renderer crashed" in logs
    )
    assert "class.file_export" in audit and "certificate.issue" in audit and "学员1" in places["exports"]

    secrets = {"Flask SECRET_KEY": app.config["SECRET_KEY"], "TOTP key of officer9": officer9_key}
    secrets |= {f"password {p}": p for p in (PASSWORD, NEW_OFFICER_PASSWORD, RESET_PASSWORD, WRONG_PASSWORD)}
    secrets |= {f"TOTP key of {u}": _base32(k) for u, k in world.totp_secrets.items()}
    secrets |= {f"ID number {p[2]}": p[2] for p in [*people, person(9, id=bad_id), person(40)]}
    secrets |= {f"phone {p[3]}": p[3] for p in people}
    secrets |= {f"certificate token {i}": t for i, t in enumerate(tokens)}
    secrets |= key_secrets(app)
    clients = {"admin": admin, "officer": officer, "officer9": new_officer, "school": school}
    for name, client in {**clients, "tablet": tablet}.items():
        secrets |= session_secrets(name, client)
    assert all(len(s) >= 11 for s in secrets.values())  # none so short it could match by chance
    leaks = [(what, where) for what, s in secrets.items() for where, text in places.items() if s in text]
    assert leaks == [], "\n".join(map(str, leaks))


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


def reset_proctor_password(app, admin: Client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        proctor2 = db_session().scalar(select(User.id).where(User.username == "proctor2"))
    page = f"/admin/users/{proctor2}"
    assert admin.post(f"{page}/password", {"password": RESET_PASSWORD}, page=page).status_code == 302


def error_pages(app, monkeypatch, public: Client, school: Client, tokens: list[str]) -> list:  # type: ignore[no-untyped-def, type-arg]
    """404s on token routes, a forbidden page (403), a forged form (400), and a 500 on a token
    route as production answers it: logged by Flask, not raised into the test. Each with its path."""
    asked = [
        (public, f"/v/{altered(tokens[0])}/certificate.pdf"),
        (public, f"/no-such-page/{tokens[0]}"),
        (school, "/officer/classes/"),
    ]
    pages = [(client.get(path), path) for client, path in asked]
    pages.append((school.raw.post("/logout", data={"csrf_token": "forged"}), "/logout"))

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    path = f"/v/{tokens[1]}/certificate.pdf"
    for failure in (PdfError("wkhtmltopdf failed (1)"), RuntimeError("renderer crashed")):  # known, unknown

        def broken_renderer(*args, failure=failure, **kwargs):  # type: ignore[no-untyped-def]
            raise failure

        monkeypatch.setattr(public_views, "certificates_pdf", broken_renderer)
        pages.append((public.get(path), path))
    assert [page.status_code for page, _ in pages] == [404, 404, 403, 400, 503, 500]
    return pages


def _without_own(page, path: str) -> str:  # type: ignore[no-untyped-def]
    """An error page goes to the client that asked, and holds that client's own path (the language
    switch's `next`) and CSRF token (on every form): those are no leak; anything else would be."""
    html = page.get_data(as_text=True).replace(path, "[own path]")
    return html.replace(csrf_token_in(html), "[own CSRF token]")


def officer_exports(officer: Client, class_id: int, exam) -> list[str]:  # type: ignore[no-untyped-def]
    """The roster, the payment basis, the audit checkpoint, the class and a trainee's files."""
    texts = [
        officer.get(f"/officer/classes/{class_id}/roster.csv").get_data(as_text=True),
        _text_of("r.xlsx", officer.get(f"/officer/classes/{class_id}/roster.xlsx").get_data()),
        officer.get(f"/officer/coverage/payment/classes/{class_id}.csv").get_data(as_text=True),
        officer.get("/audit/checkpoint.jwt").get_data(as_text=True),
    ]
    for path in (f"class/{class_id}/zip", f"trainee/{exam.certificates[0].trainee_id}/zip"):
        archive = zipfile.ZipFile(io.BytesIO(job_file(officer, f"/officer/files/{path}", "/").get_data()))
        texts += [_text_of(name, archive.read(name)) for name in archive.namelist()]
    return texts


def _text_of(name: str, data: bytes) -> str:
    if not name.endswith(".xlsx"):
        return data.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
