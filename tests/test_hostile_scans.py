"""Hostile probes of the answer-sheet endpoints (examsvc/scans): other proctors and roles guessing ids,
posts without CSRF, a locked sitting, decisions the sheet does not allow or has no more, files and
camera bodies built to hurt, two uploads of one seat at the same moment, seats the paper does not
have, and what the audit trail keeps. Each test asserts the safe behaviour; the bad files a scanner
batch may hold are in tests/test_scan_refusals.py, this adds what it does not try."""

from __future__ import annotations

import base64
import io
import secrets
import threading

import numpy as np
import pytest
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session
from examsvc.core.text import storable
from examsvc.exams.models import Attempt
from examsvc.papers.models import Paper
from examsvc.papers.variants import seat_serial
from examsvc.scans.models import AnswerScan
from examsvc.scans.pages import MAX_PAGES

from .class_helpers import person
from .conftest import PASSWORD, World, schedule_sitting
from .helpers import Client
from .hostile_photo_helpers import _into_the_past
from .hostile_scan_helpers import (
    SCANS,
    batch_page,
    blank_png,
    camera_body,
    drawn,
    flagged_twice,
    gif_page,
    held,
    idempotency_records,
    json_post,
    photographed,
    scan_rows,
    served,
    signed_in,
    started_sitting,
    thin_png,
    upload,
)
from .paper_helpers import approved_class
from .scan_helpers import jpeg, photographed_sheet, png, right_marks, rows_of
from .stored import committed_database
from .tablet_helpers import add_proctor, base, call, confirm, enrollments, lock_sitting, stored_result
from .test_answer_scans import _check_in
from .test_scan_refusals import _many_scans, _pdf, _png_bomb

# ---------------------------------------------------------------- who may see and touch a sheet


def test_a_proctor_not_assigned_to_the_sitting_finds_nothing_and_changes_nothing(app, world, sitting, tablet):
    scan_id, page = held(app, sitting, tablet)
    add_proctor(app, world, "proctor3")
    outsider = Client(app)
    outsider.login("proctor3", PASSWORD)
    for path in (SCANS.format(sitting.id), page, f"{page}/page.jpg", f"{page}/questions/41.png"):
        assert outsider.get(path).status_code == 404, path
    token = outsider.token("/proctor")
    for path, form in ((f"{page}/decide", {"q41": "A"}), (f"{page}/discard", {}), (f"{page}/again", {})):
        assert outsider.raw.post(path, data={**form, "csrf_token": token}).status_code == 404, path
    sheet = ("seat.png", png(drawn(app, sitting, 1, right_marks(app, sitting, 1))))
    form = {"files": [(io.BytesIO(sheet[1]), sheet[0])], "csrf_token": token}
    assert outsider.raw.post(f"{SCANS.format(sitting.id)}/upload", data=form).status_code == 404
    body = photographed_sheet(app, sitting, 1, True)
    assert json_post(outsider, SCANS.format(sitting.id), body).status_code == 404
    assert scan_rows(app, sitting.id) == [(scan_id, 1, "review", None)]


def test_another_sittings_sheet_under_my_sitting_is_not_found(app, world, officer, sitting, tablet):
    """proctor1 proctors both sittings: a sheet is reached under its own sitting's path only."""
    scan_id, page = held(app, sitting, tablet)
    _into_the_past(app, sitting)  # so that its proctors are free for the other today
    other = schedule_sitting(app, officer, approved_class(app, world, "另一班", first_person=7), "first")
    assert tablet.get(SCANS.format(other.id)).status_code == 200  # assigned there too
    assert tablet.get(page).status_code == 200
    elsewhere = f"{SCANS.format(other.id)}/{scan_id}"
    for path in (elsewhere, f"{elsewhere}/page.jpg", f"{elsewhere}/questions/41.png"):
        assert tablet.get(path).status_code == 404, path
    token = tablet.token("/proctor")
    for path, form in ((f"{elsewhere}/decide", {"q41": "A"}), (f"{elsewhere}/discard", {})):
        assert tablet.raw.post(path, data={**form, "csrf_token": token}).status_code == 404, path
    assert tablet.get(f"{SCANS.format(sitting.id + other.id + 100)}/{scan_id}").status_code == 404
    assert scan_rows(app, sitting.id) == [(scan_id, 1, "review", None)]


def test_an_institution_user_and_an_anonymous_visitor_are_turned_away(app, world, sitting, tablet, school):
    scan_id, page = held(app, sitting, tablet)
    anonymous = Client(app)
    for client, refused in ((school, {403, 404}), (anonymous, {302, 401})):
        for path in (SCANS.format(sitting.id), page, f"{page}/page.jpg", f"{page}/questions/41.png"):
            answer = client.get(path)
            assert answer.status_code in refused, (path, answer.status_code)
            assert answer.status_code != 302 or "/login" in answer.location
        token = client.token("/login")
        for path in (f"{page}/decide", f"{page}/discard", f"{page}/again"):
            answer = client.raw.post(path, data={"q41": "A", "csrf_token": token})
            assert answer.status_code in refused, (path, answer.status_code)
        body = photographed_sheet(app, sitting, 1, True)
        answer = client.raw.post(SCANS.format(sitting.id), json=body, headers={"X-CSRFToken": token})
        assert answer.status_code in refused | {401}
    assert scan_rows(app, sitting.id) == [(scan_id, 1, "review", None)]


def test_every_post_without_its_csrf_token_is_refused_and_changes_nothing(app, sitting, tablet):
    scan_id, page = held(app, sitting, tablet)
    sheet = png(drawn(app, sitting, 2, right_marks(app, sitting, 2)))
    assert upload(tablet, sitting, [("seat2.png", sheet)], csrf=False).status_code == 400
    for path, form in ((f"{page}/decide", {"q41": "A"}), (f"{page}/discard", {}), (f"{page}/again", {})):
        assert tablet.raw.post(path, data=form).status_code == 400, path
    body = photographed_sheet(app, sitting, 1, True)
    assert tablet.raw.post(SCANS.format(sitting.id), json=body).status_code == 400
    assert scan_rows(app, sitting.id) == [(scan_id, 1, "review", None)]


# ---------------------------------------------------------------- a locked sitting, decisions, discards


def test_after_the_lock_nothing_is_uploaded_read_again_or_set_aside(app, sitting, tablet):
    first, second, third = enrollments(app, sitting)
    _check_in(tablet, sitting, first, 1)
    photographed(app, tablet, sitting, 1)
    for absent in (second, third):
        call(tablet, f"{base(sitting, absent)}/check-in", {"presence": "absent"})
    blank = upload(tablet, sitting, [("blank.png", blank_png())])
    assert blank.status_code == 302
    lock_sitting(app, tablet, sitting)
    before = scan_rows(app, sitting.id)
    assert [state for _, _, state, _ in before] == ["entered", "unmatched"]
    sheet = png(drawn(app, sitting, 2, right_marks(app, sitting, 2)))
    assert upload(tablet, sitting, [("late.png", sheet)]).status_code == 302
    assert "late.png" not in batch_page(tablet, sitting)  # refused before any page was read
    late = call(tablet, SCANS.format(sitting.id), photographed_sheet(app, sitting, 1, True))
    assert late.status_code in {409, 422} and late.get_json()["message"]
    unmatched = f"{SCANS.format(sitting.id)}/{before[1][0]}"
    for action in ("again", "discard"):
        refused = tablet.post(f"{unmatched}/{action}", {}, page=unmatched, follow_redirects=True)
        assert 'class="flash error"' in refused.get_data(as_text=True), action
    assert scan_rows(app, sitting.id) == before


def test_a_decision_the_sheet_does_not_allow_is_said_and_enters_nothing(app, sitting, tablet):
    page, double, truth = flagged_twice(app, sitting, tablet)
    right = truth[double - 1]
    tf = next(n for n, (kind, _) in enumerate(rows_of(app, sitting), 1) if kind == "truefalse")
    for wrong in (
        {"q41": "E", f"q{double}": right},  # a letter not printed
        {"q41": "a", f"q{double}": right},  # not as printed
        {"q41": "A", f"q{double}": ["A", "B"]},  # two letters on a single choice
        {"q41": "A", f"q{double}": "AB"},
        {"q41": "A"},  # a flagged question left out
    ):
        answer = tablet.post(f"{page}/decide", wrong, page=page, follow_redirects=True)
        assert "请对每道需人工核对的题目作出判定" in answer.get_data(as_text=True), wrong
    assert stored_result(app, sitting, enrollments(app, sitting)[0]) == (None, None)
    flip = "错" if truth[tf - 1] == "对" else "对"  # a question the machine read: not the proctor's to change
    decided = {"q41": "A", f"q{double}": right, f"q{tf}": flip}
    assert tablet.post(f"{page}/decide", decided, page=page).status_code == 302
    with app.app_context():
        attempt = db_session().scalar(select(Attempt).where(Attempt.sitting_id == sitting.id))
        assert attempt.answers == " ".join(truth)


def test_a_field_name_with_a_superscript_digit_is_refused_not_a_server_error(
    app, sitting, tablet, monkeypatch
):
    """`"q²"[1:].isdigit()` is True but int("²") raises: the decide form must not crash on it."""
    page, double, truth = flagged_twice(app, sitting, tablet)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    answer = tablet.post(
        f"{page}/decide", {"q41": "A", f"q{double}": truth[double - 1], "q²": "A"}, page=page
    )
    assert answer.status_code in {302, 400}, answer.status_code
    assert [state for _, _, state, _ in scan_rows(app, sitting.id)] in (["review"], ["entered"])


def test_decided_discarded_and_entered_scans_keep_their_state(app, sitting, tablet):
    scan_id, page = held(app, sitting, tablet)
    again = tablet.post(f"{page}/again", {}, page=page, follow_redirects=True)
    assert "只有未能对应到考生的页面才能重新读取" in again.get_data(as_text=True)
    assert tablet.post(f"{page}/discard", {}, page=page).status_code == 302
    for action, form in (("decide", {"q41": "A"}), ("discard", {}), ("again", {})):
        answer = tablet.post(f"{page}/{action}", form, page=page, follow_redirects=True)
        assert 'class="flash error"' in answer.get_data(as_text=True), action
    assert scan_rows(app, sitting.id) == [(scan_id, 1, "discarded", None)]
    assert stored_result(app, sitting, enrollments(app, sitting)[0]) == (None, None)
    # The seat is free again: the sheet photographed anew is entered, and stays entered.
    photographed(app, tablet, sitting, 1)
    entered_id = scan_rows(app, sitting.id)[-1][0]
    entered = f"{SCANS.format(sitting.id)}/{entered_id}"
    kept = tablet.post(f"{entered}/discard", {}, page=entered, follow_redirects=True)
    assert "已录入的答题卡不能搁置" in kept.get_data(as_text=True)
    for action, form in (("decide", {"q41": "B"}), ("again", {})):
        answer = tablet.post(f"{entered}/{action}", form, page=entered, follow_redirects=True)
        assert 'class="flash error"' in answer.get_data(as_text=True), action
    assert [state for _, _, state, _ in scan_rows(app, sitting.id)] == ["discarded", "entered"]
    assert stored_result(app, sitting, enrollments(app, sitting)[0]) == (100.0, True)


# ---------------------------------------------------------------- files and bodies built to hurt


@pytest.mark.parametrize(
    "content",
    [
        _png_bomb(),
        _many_scans(),
        jpeg(np.full((800, 600), 200, np.uint8))[:600],
        _pdf(1),
        gif_page(),
        blank_png(),  # no sheet on it
    ],
    ids=["png-bomb", "jpeg-scans", "cut-jpeg", "pdf", "gif", "blank-page"],
)
def test_a_camera_picture_built_to_hurt_is_refused_422_and_stores_nothing(app, sitting, tablet, content):
    _check_in(tablet, sitting, enrollments(app, sitting)[0], 1)
    before = idempotency_records(app)
    body = {"image": base64.b64encode(content).decode(), "idempotency_key": secrets.token_hex(16)}
    answer = json_post(tablet, SCANS.format(sitting.id), body)
    assert answer.status_code == 422 and answer.get_json()["message"], answer.get_json()
    assert scan_rows(app, sitting.id) == [] and idempotency_records(app) == before


@pytest.mark.parametrize(
    "body",
    [[], 42, None, "image", {"image": 12}, {"image": ["A"]}, {"image": ""}, b"{" * 50_000, b"\xff\xfe"],
    ids=["list", "number", "null", "string", "image-number", "image-list", "empty", "deep", "not-utf8"],
)
def test_a_camera_body_of_the_wrong_shape_is_refused_400(app, sitting, tablet, body):
    answer = json_post(tablet, SCANS.format(sitting.id), body)
    assert answer.status_code == 400 and answer.get_json()["message"]
    assert scan_rows(app, sitting.id) == []


def test_bodies_over_the_request_limit_are_refused_413_not_read(app, sitting, tablet):
    huge = {"image": "A" * (17 * 1024 * 1024), "idempotency_key": secrets.token_hex(16)}
    assert json_post(tablet, SCANS.format(sitting.id), huge).status_code == 413
    big = b"%PDF-1.7\n" + b"0" * (17 * 1024 * 1024)
    assert upload(tablet, sitting, [("big.pdf", big)]).status_code == 413
    assert scan_rows(app, sitting.id) == []


def test_a_picture_thin_as_a_ribbon_is_refused_not_a_server_error(app, sitting, tablet, monkeypatch):
    """A million pixels, 100,000 wide and 10 high: under every bound, and scaled to no height at all."""
    _check_in(tablet, sitting, enrollments(app, sitting)[0], 1)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    scanned = upload(tablet, sitting, [("ribbon.png", thin_png())])
    said = batch_page(tablet, sitting)  # before the camera's call, whose CSRF page shows the flash
    body = {"image": base64.b64encode(thin_png()).decode(), "idempotency_key": secrets.token_hex(16)}
    photographed = json_post(tablet, SCANS.format(sitting.id), body)
    assert (scanned.status_code, photographed.status_code) == (302, 422)  # said, as any other bad file
    assert "ribbon.png" in said and "太窄" in said and scan_rows(app, sitting.id) == []


def test_bad_files_beside_a_good_sheet_are_named_and_the_sheet_still_entered(app, sitting, tablet):
    _check_in(tablet, sitting, enrollments(app, sitting)[0], 1)
    good = png(drawn(app, sitting, 1, right_marks(app, sitting, 1)))
    files = [
        ("bomb.png", _png_bomb()),
        ("seat1.png", good),
        ("cut.jpg", jpeg(np.full((80, 60), 9, np.uint8))[:90]),
    ]
    assert upload(tablet, sitting, files).status_code == 302
    page = batch_page(tablet, sitting)
    assert "bomb.png" in page and "cut.jpg" in page
    assert [(seat, state) for _, seat, state, _ in scan_rows(app, sitting.id)] == [(1, "entered")]


def test_a_filename_is_shown_as_text_never_as_markup(app, sitting, tablet):
    name = "<img src=x onerror=alert(1)>.png"
    assert upload(tablet, sitting, [(name, b"not an image")]).status_code == 302
    page = batch_page(tablet, sitting)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.png" in page


def test_a_filename_no_database_can_store_is_refused_or_cleaned(app, sitting, tablet, monkeypatch):
    """The form's values are checked for NUL (web/security.py), an upload's filename is not: the page
    label keeps it, and PostgreSQL refuses it mid-insert."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    answer = upload(tablet, sitting, [("seat\x00one.png", blank_png())])
    assert answer.status_code in {302, 400}, answer.status_code
    with app.app_context():
        labels = list(db_session().scalars(select(AnswerScan.page_label)))
    assert all(storable(label) for label in labels), labels


def test_pages_past_the_limit_across_files_are_not_read(app, sitting, tablet):
    small = _pdf(MAX_PAGES // 2 + 1, 30, 30)  # two files, each under the limit, over it together
    assert upload(tablet, sitting, [("a.pdf", small), ("b.pdf", small)]).status_code == 302
    assert "其余页面未读取" in batch_page(tablet, sitting)
    assert len(scan_rows(app, sitting.id)) == MAX_PAGES


# ---------------------------------------------------------------- sheets naming what is not there


def test_a_sheet_naming_a_seat_the_paper_does_not_have_is_kept_aside_or_refused(app, sitting, tablet):
    for enrollment, seat in zip(enrollments(app, sitting), (1, 2, 3), strict=True):
        _check_in(tablet, sitting, enrollment, seat)
    with app.app_context():
        seats = db_session().scalar(
            select(Paper.seats).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
        )
    code, marks = sitting.training_class.code, right_marks(app, sitting, 1)
    serials = [seat_serial(code, "first", seat) for seat in (seats + 1, 0, 9999)]
    serials += [seat_serial("OTHER-CLASS", "first", 1), seat_serial(code, "retake", 1)]
    pages = [drawn(app, sitting, 1, marks, serial=serial) for serial in serials]
    assert upload(tablet, sitting, [(f"s{n}.png", png(p)) for n, p in enumerate(pages)]).status_code == 302
    kept = scan_rows(app, sitting.id)
    assert [(seat, state) for _, seat, state, _ in kept] == [(None, "unmatched")] * len(serials)
    assert [problem for *_, problem in kept[:3]] == ["Seat %(seat)d is not on this paper."] * 3
    assert all(problem for *_, problem in kept[3:])
    for gray in pages:
        answer = call(tablet, SCANS.format(sitting.id), camera_body(gray))
        assert answer.status_code == 422 and answer.get_json()["message"]
    assert len(scan_rows(app, sitting.id)) == len(serials)
    assert {stored_result(app, sitting, e) for e in enrollments(app, sitting)} == {(None, None)}


# ---------------------------------------------------------------- what the audit trail keeps


def test_the_audit_trail_holds_no_full_id_number_of_any_candidate(app, sitting, tablet):
    page, double, truth = flagged_twice(app, sitting, tablet)
    decided = {"q41": "A", f"q{double}": truth[double - 1]}
    assert tablet.post(f"{page}/decide", decided, page=page).status_code == 302
    _check_in(tablet, sitting, enrollments(app, sitting)[1], 2)
    photographed(app, tablet, sitting, 2)
    again = png(drawn(app, sitting, 2, right_marks(app, sitting, 2)))  # kept as a duplicate
    assert upload(tablet, sitting, [("again.png", again)]).status_code == 302
    second = Client(app)
    second.login("proctor2", PASSWORD)
    for enrollment in enrollments(app, sitting)[:2]:
        assert confirm(app, second, sitting, enrollment).status_code == 200
    with app.app_context():
        events = list(db_session().scalars(select(AuditEvent)))
    text = "\n".join(f"{e.actor_label} {e.object_id} {e.detail}" for e in events)
    assert {"scan.read", "scan.decide", "scan.enter"} <= {e.action for e in events}
    for n in (1, 2, 3):
        number = str(person(n)[2])
        assert number not in text and number[-8:] not in text, n


# ---------------------------------------------------------------- two tablets, one seat, one moment


def test_two_uploads_of_one_seats_sheet_at_once_leave_exactly_one_in_force(tmp_path):
    _, app, drop = committed_database(tmp_path, "db", "upgrade")
    try:
        sitting, people = started_sitting(app, World(app))
        tablet = Client(app)
        tablet.login("proctor1", PASSWORD)
        _check_in(tablet, sitting, people[0], 1)
        sheet = png(drawn(app, sitting, 1, right_marks(app, sitting, 1)))
        photo = photographed_sheet(app, sitting, 1, True)
        with served(app) as url:
            tablets = [signed_in(url, name) for name in ("proctor1", "proctor2")]
            start, outcomes = threading.Barrier(4), []

            def scanned(session, token, n) -> None:  # type: ignore[no-untyped-def]
                start.wait()
                files = {"files": (f"seat1-{n}.png", sheet, "image/png")}
                path = f"{url}{SCANS.format(sitting.id)}/upload"
                answer = session.post(path, data={"csrf_token": token}, files=files, allow_redirects=False)
                outcomes.append(answer.status_code)

            def sent_by_camera(session, token) -> None:  # type: ignore[no-untyped-def]
                start.wait()
                body = {**photo, "idempotency_key": secrets.token_hex(16)}
                answer = session.post(
                    f"{url}{SCANS.format(sitting.id)}", json=body, headers={"X-CSRFToken": token}
                )
                outcomes.append(answer.status_code)

            threads = [threading.Thread(target=scanned, args=(*t, n)) for n, t in enumerate(tablets)]
            threads += [threading.Thread(target=sent_by_camera, args=t) for t in tablets]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
        assert sorted(outcomes) == [200, 200, 302, 302], outcomes
        states = sorted(state for _, _, state, _ in scan_rows(app, sitting.id))
        assert states == ["duplicate", "duplicate", "duplicate", "entered"], states
        assert stored_result(app, sitting, people[0]) == (100.0, True)
    finally:
        app.extensions["examsvc.db"].engine.dispose()
        drop()
