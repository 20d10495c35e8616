"""Answer-sheet uploads as an attacker or a careless user sends them: every parser bounded before it
works, every refusal said in words, never a 500, nothing stored in part, nothing of another sitting."""

from __future__ import annotations

import io
import json
import secrets
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from examsvc.audit.models import AuditEvent
from examsvc.core.db import db_session
from examsvc.scans.pages import MAX_PAGES, pages_of

from .conftest import PASSWORD
from .helpers import Client
from .scan_helpers import jpeg, photographed_sheet
from .tablet_helpers import call, enrollments
from .test_answer_scans import _check_in, _scans, _upload


def _pdf(pages: int, width_mm: float = 210, height_mm: float = 297) -> bytes:
    out = io.BytesIO()
    images = [
        Image.new("L", (int(width_mm / 25.4 * 20), int(height_mm / 25.4 * 20)), 255) for _ in range(pages)
    ]
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=20)
    return out.getvalue()


def _png_bomb(side: int = 30_000) -> bytes:
    """A PNG that declares side x side pixels in a few bytes (its IDAT is a single empty row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _many_scans() -> bytes:
    """A progressive JPEG whose scans are repeated hundreds of times: minutes of CPU, refused unread."""
    out = io.BytesIO()
    Image.new("L", (64, 64), 128).save(out, format="JPEG", progressive=True)
    data = out.getvalue()
    sos = data.index(b"\xff\xda")
    return data[:sos] + data[sos:-2] * 300 + b"\xff\xd9"


@pytest.mark.parametrize(
    "name, content, said",
    [
        ("long.pdf", _pdf(MAX_PAGES + 1), "最多"),
        ("poster.pdf", _pdf(1, 2000, 2000), "大于 A3"),
        ("broken.pdf", b"%PDF-1.7\n" + secrets.token_bytes(4000), "不是可以打开的"),
        ("bomb.png", _png_bomb(), "像素过多"),
        ("scans.jpg", _many_scans(), "不是可以打开的"),
        ("cut.jpg", jpeg(np.full((800, 600), 200, np.uint8))[:600], "不是可以打开的"),
    ],
)
def test_a_bad_file_is_refused_by_its_bound_with_its_name_and_stores_nothing(
    app, sitting, tablet, name, content, said
):
    page = _upload(tablet, sitting, [(name, content)])
    assert name in page and said in page
    assert _scans(app, sitting) == []


def test_the_page_limit_is_counted_before_any_page_is_drawn():
    found = list(pages_of("long.pdf", _pdf(MAX_PAGES + 1)))
    assert len(found) == 1 and not hasattr(found[0], "gray")


def test_the_camera_endpoint_refuses_bad_bodies_and_a_key_reused_for_another_picture(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    _check_in(tablet, sitting, first, 1)
    path = f"/proctor/sittings/{sitting.id}/scans"
    key = secrets.token_hex(16)
    assert call(tablet, path, {"image": "not base 64!", "idempotency_key": key}).status_code == 400
    assert call(tablet, path, {"image": "A" * (9 * 1024 * 1024), "idempotency_key": key}).status_code == 400
    assert (
        call(tablet, path, {"image": photographed_sheet(app, sitting, 1, True)["image"]}).status_code == 400
    )
    body = {**photographed_sheet(app, sitting, 1, True), "idempotency_key": key}
    assert call(tablet, path, body).status_code == 200
    other = {**photographed_sheet(app, sitting, 1, False), "idempotency_key": key}
    again = call(tablet, path, other)
    assert again.status_code == 422 and len(_scans(app, sitting)) == 1  # the key names one picture


def test_decisions_must_be_ones_the_sheet_allows_and_are_made_once(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    _check_in(tablet, sitting, first, 1)
    body = photographed_sheet(app, sitting, 1, True, tick_question=41)  # a single choice, ticked
    assert call(tablet, f"/proctor/sittings/{sitting.id}/scans", body).status_code == 200
    scan = _scans(app, sitting)[0]
    assert scan.state == "review"
    page = f"/proctor/sittings/{sitting.id}/scans/{scan.id}"
    for wrong in ({"q41": "Z"}, {"q41": ["A", "B"]}, {}, {"q40": "A"}):
        answer = tablet.post(f"{page}/decide", wrong, page=page, follow_redirects=True)
        assert "请对每道需人工核对的题目作出判定" in answer.get_data(as_text=True), wrong
        assert _scans(app, sitting)[0].state == "review"
    assert tablet.post(f"{page}/decide", {"q41": "A"}, page=page).status_code == 302
    assert _scans(app, sitting)[0].state == "entered"
    again = tablet.post(f"{page}/decide", {"q41": "B"}, page=page, follow_redirects=True)
    assert "已没有需要判定的内容" in again.get_data(as_text=True)
    kept = tablet.post(f"{page}/discard", {}, page=page, follow_redirects=True)
    assert "已录入的答题卡不能搁置" in kept.get_data(as_text=True)
    assert _scans(app, sitting)[0].state == "entered"


def test_another_sittings_sheet_and_another_proctor_find_nothing(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    _check_in(tablet, sitting, first, 1)
    assert (
        call(
            tablet, f"/proctor/sittings/{sitting.id}/scans", photographed_sheet(app, sitting, 1, True)
        ).status_code
        == 200
    )
    scan = _scans(app, sitting)[0]
    outsider = Client(app)
    outsider.login("school1", PASSWORD)
    for path in (
        f"/proctor/sittings/{sitting.id}/scans",
        f"/proctor/sittings/{sitting.id}/scans/{scan.id}/page.jpg",
    ):
        assert outsider.get(path).status_code in {403, 404}
    assert tablet.get(f"/proctor/sittings/{sitting.id + 999}/scans/{scan.id}").status_code == 404
    assert (
        tablet.raw.post(f"/proctor/sittings/{sitting.id}/scans/{scan.id}/discard").status_code == 400
    )  # no CSRF


def test_the_audit_trail_of_a_sheet_holds_no_personal_data(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    _check_in(tablet, sitting, first, 1)
    body = photographed_sheet(app, sitting, 1, True)
    assert call(tablet, f"/proctor/sittings/{sitting.id}/scans", body).status_code == 200
    with app.app_context():
        events = [e for e in db_session().scalars(select(AuditEvent)) if e.action.startswith("scan.")]
        keys = {key for e in events for key in json.loads(e.detail)}
    assert {e.action for e in events} == {"scan.read", "scan.enter"}
    assert keys <= {"sha256", "seat", "state", "attempt", "sheet"}  # the page's hash and the marks, no name
