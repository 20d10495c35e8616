"""Admission tickets: issued once with random seats before the start, printed with a QR that names
the ticket only, downloadable by the officer and by the class's own institution."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.core.db import db_session
from examsvc.exams.errors import ResultError
from examsvc.exams.models import AdmissionTicket, Sitting
from examsvc.exams.tickets import free_seats, issue, normalise_number, number_in_qr, qr_text
from examsvc.papers.models import Paper
from tests.conftest import new_user_client, schedule_sitting
from tests.paper_helpers import approved_class

NUMBER = re.compile(r"^ZK[0-9ABCDEFGHJKMNPQRSTVWXYZ]{10}$")


def _tickets(app, sitting_id: int) -> dict[int, tuple[str, int]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db_session().scalars(select(AdmissionTicket).where(AdmissionTicket.sitting_id == sitting_id))
        return {t.enrollment_id: (t.number, t.seat_no) for t in rows}


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return unicodedata.normalize("NFKC", out)  # the CJK font maps some characters to Kangxi radicals


def _qr_texts(pdf: bytes, tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    """Every QR on the first page, rendered at 150 dpi as a printer would (zxing-cpp: OpenCV's
    reader misses about one printed code in twelve at this resolution)."""
    (tmp_path / "t.pdf").write_bytes(pdf)
    page = ["-r", "150", "-f", "1", "-l", "1", "-singlefile", "-png"]
    subprocess.run(["pdftoppm", *page, str(tmp_path / "t.pdf"), str(tmp_path / "p")], check=True)
    return [found.text for found in zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"))]


@pytest.fixture
def upcoming(app, world, officer):  # type: ignore[no-untyped-def]
    """A class of three with a first sitting 10 minutes ahead (not started)."""
    return schedule_sitting(app, officer, approved_class(app, world, people=3), "first", started=False)


def test_seats_are_dealt_once_at_random_and_numbers_are_random() -> None:
    seats = free_seats({1, 3}, 4)
    assert sorted(seats) == [2, 4, 5, 6]
    orders = {tuple(free_seats(set(), 8)) for _ in range(20)}
    assert len(orders) > 1  # shuffled, not the roster's order
    assert normalise_number("zk-7q4m 2x9p3r") == "ZK7Q4M2X9P3R"
    assert normalise_number("ZKO0IL") == "ZK0011"
    assert number_in_qr(qr_text("ZK7Q4M2X9P3R")) == "ZK7Q4M2X9P3R"
    for wrong in (
        "ZK7Q4M2X9P3R",
        "EXAMSVC-T:ZK7Q4M2X9P3",
        "EXAMSVC-T:XX7Q4M2X9P3R",
        "EXAMSVC-T:ZK7Q4M2X9P3U",
    ):
        assert number_in_qr(wrong) is None


def test_officer_prints_the_tickets_and_a_reprint_keeps_seats(app, officer, upcoming, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{upcoming.class_id}"
    response = officer.post(f"/officer/sittings/{upcoming.id}/tickets.pdf", page=page)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    issued = _tickets(app, upcoming.id)
    assert len(issued) == 3
    assert sorted(seat for _, seat in issued.values()) == [1, 2, 3]
    assert all(NUMBER.match(number) for number, _ in issued.values())
    text = _text(response.data)
    assert "安全生产考试准考证" in text and "座位号" in text
    for number, _ in issued.values():
        assert number in text
    assert not re.search(r"\d{17}[\dX]", text)  # masked ID numbers only
    qrs = _qr_texts(response.data, tmp_path)
    assert {number_in_qr(q) for q in qrs} <= {n for n, _ in issued.values()} and len(set(qrs)) == 2
    again = officer.post(f"/officer/sittings/{upcoming.id}/tickets.pdf", page=page)
    assert again.status_code == 200 and _tickets(app, upcoming.id) == issued
    with app.app_context():
        paper = db_session().scalar(select(Paper).where(Paper.class_id == upcoming.class_id))
        assert paper is None or paper.seats >= 3


def test_nothing_is_issued_after_the_start_but_tickets_still_print(app, officer, upcoming) -> None:  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{upcoming.class_id}"
    assert officer.post(f"/officer/sittings/{upcoming.id}/tickets.pdf", page=page).status_code == 200
    issued = _tickets(app, upcoming.id)
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    with app.app_context():
        st = db_session().get(Sitting, upcoming.id)
        with pytest.raises(ResultError, match="before the sitting starts"):
            issue(db_session(), SYSTEM, st, app.extensions["examsvc.clock"].now())
    response = officer.post(f"/officer/sittings/{upcoming.id}/tickets.pdf", page=page)
    assert response.status_code == 200 and _tickets(app, upcoming.id) == issued


def test_institution_gets_its_own_class_only(app, world, school, upcoming) -> None:  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{upcoming.class_id}"
    assert "tickets-first" in school.get(page).get_data(as_text=True)
    response = school.post(f"/institution/classes/{upcoming.class_id}/tickets/first.pdf", page=page)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(_tickets(app, upcoming.id)) == 3
    other = new_user_client(app, world, "institution", "school2", world.other_institution)
    refused = other.post(
        f"/institution/classes/{upcoming.class_id}/tickets/first.pdf", page="/institution/classes/"
    )
    assert refused.status_code == 404
    none_yet = school.post(f"/institution/classes/{upcoming.class_id}/tickets/retake.pdf", page=page)
    assert none_yet.status_code == 302  # no retake sitting: back to the page, saying so


def test_tickets_need_a_form_post(app, officer, tablet, upcoming) -> None:  # type: ignore[no-untyped-def]
    assert officer.get(f"/officer/sittings/{upcoming.id}/tickets.pdf").status_code == 405
    no_token = officer.raw.post(f"/officer/sittings/{upcoming.id}/tickets.pdf")
    assert no_token.status_code == 400 and _tickets(app, upcoming.id) == {}
    proctor = tablet.post(f"/officer/sittings/{upcoming.id}/tickets.pdf", page="/proctor/")
    assert proctor.status_code in {403, 404} and _tickets(app, upcoming.id) == {}
