"""Real browser, phone size: a trainee finds the look-up from the certificate check, enters their ID
number, name and admission ticket number, and reads their sitting, seat and result; two different
wrong combinations get the same "no record" message; nothing scrolls sideways at 390 px."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.exams.models import AdmissionTicket, Attempt, Sitting
from examsvc.lookup.record import score_text
from examsvc.trainees import pii

from .docs_screenshots import keep_for_docs
from .test_browser import PHONE, browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Holder:
    id_number: str
    name: str
    ticket: str
    seat: int
    venue: str
    score: str
    other_ticket: str  # a classmate's


def _holder(app) -> Holder:  # type: ignore[no-untyped-def]
    """A demo trainee who passed the published sitting, seated by their ticket."""
    with app.app_context():
        s = db_session()
        sitting = s.scalar(select(Sitting).where(Sitting.status == "published"))
        of_sitting = select(AdmissionTicket).where(AdmissionTicket.sitting_id == sitting.id)
        tickets = s.scalars(of_sitting.order_by(AdmissionTicket.id)).all()
        passes = select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.passed.is_(True))
        passed = {a.enrollment_id: a for a in s.scalars(passes)}
        ticket = next(t for t in tickets if t.enrollment_id in passed)
        trainee = ticket.enrollment.trainee
        keys = app.extensions["examsvc.keys"].personal_data_keys()
        return Holder(
            id_number=pii.unseal(keys, trainee.id_sealed, "id", trainee.id_hash),
            name=trainee.name,
            ticket=ticket.number,
            seat=ticket.seat_no,
            venue=sitting.venue,
            score=score_text(passed[ticket.enrollment_id].score_tenths),
            other_ticket=next(t.number for t in tickets if t.id != ticket.id),
        )


def _fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= 390")


def _submit(page, base: str, id_number: str, name: str, factor: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/lookup")
    page.fill("#id_number", id_number)
    page.fill("#name", name)
    page.fill("#factor", factor)
    page.click("#lookup-submit")
    page.wait_for_load_state()


def test_a_trainee_reads_their_sitting_seat_and_result_on_a_phone(live_server, browser, tmp_path):  # noqa: F811
    who = _holder(live_server.app)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/verify")
    page.click("#trainee-lookup-link")
    page.wait_for_url(f"{live_server}/lookup")
    assert page.locator("#id_type").input_value() == "id_card"  # 居民身份证 first
    assert _fits(page)
    page.fill("#id_number", who.id_number)
    page.fill("#name", who.name)
    page.fill("#factor", who.ticket.lower())
    page.click("#lookup-submit")
    page.wait_for_url(f"{live_server}/lookup/me")
    text = page.inner_text("main")
    assert who.ticket in text and who.venue in text and who.score in text
    assert page.locator(".seat").first.inner_text() == str(who.seat)
    assert who.id_number not in page.content()
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "lookup-record.png"), full_page=True)
    keep_for_docs(page, "trainee-lookup")
    page.click("#lookup-leave")
    page.wait_for_url(f"{live_server}/lookup")

    messages = []
    for id_number, name, factor in (
        (who.id_number, who.name + "某", who.ticket),  # a wrong name
        (who.id_number, who.name, who.other_ticket),  # a classmate's ticket
    ):
        _submit(page, live_server, id_number, name, factor)
        assert page.url == f"{live_server}/lookup"
        messages.append(page.inner_text("#lookup-missed"))
        assert _fits(page)
    assert messages[0] == messages[1] and messages[0]
    page.screenshot(path=str(tmp_path / "lookup-missed.png"), full_page=True)
    context.close()
