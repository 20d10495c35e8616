"""Real browser, tablet size: an exam day with the network dropping, four eyes, publishing, the retake."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from examsvc.core.db import db_session, utcnow
from examsvc.exams.models import Attempt, IdempotencyRecord, Sitting
from examsvc.exams.roster import exam_states, sitting_roster
from examsvc.papers.models import Paper

from .docs_screenshots import keep_for_docs
from .tablet_helpers import right_answers
from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
SENT = "已送达服务器。"
ALL_SENT = "在线：所有录入均已送达服务器。"


def _roster(app, sitting_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        return [c.enrollment.id for c in sitting_roster(s, s.get(Sitting, sitting_id))]


def _sheet(app, sitting_id: int, seat: int, right: bool) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():  # closed before right_answers opens its own: SQLite has one writer
        sitting = db_session().get(Sitting, sitting_id)
        facts = SimpleNamespace(class_id=sitting.class_id, kind=sitting.kind)
    sheet = right_answers(app, facts, seat)
    return sheet if right else " ".join(["-"] * len(sheet.split()))


def _check_in(page, enrollment: int, presence: str = "present", seat: int | None = None) -> None:  # type: ignore[no-untyped-def]
    row = page.locator(f"#candidate-{enrollment}")
    if seat is not None:
        row.locator("input[name=seat_no]").fill(str(seat))
    row.locator(f"form.checkin button[value={presence}]").click()


def _enter(page, enrollment: int, sheet: str) -> None:  # type: ignore[no-untyped-def]
    row = page.locator(f"#candidate-{enrollment}")
    row.locator("form.sheet input[name=answers]").fill(sheet)
    row.locator("form.sheet button[type=submit]").click()


def _enter_by_touch(page, enrollment: int, sheet: str) -> None:  # type: ignore[no-untyped-def]
    """The same sheet tapped on the answer grid instead of typed."""
    row = page.locator(f"#candidate-{enrollment}")
    row.locator("button.grid-toggle").click()
    for index, token in enumerate(sheet.split()):
        for mark in "" if token == "-" else token:
            row.locator(f".answer-grid .q[data-index='{index}'] button[data-mark='{mark}']").click()
    assert row.locator("form.sheet input[name=answers]").input_value() == sheet
    row.locator("form.sheet button[type=submit]").click()


def _wait_status(page, text: str) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("#sync-status")).to_contain_text(text, timeout=40_000)  # no eval: the CSP forbids it


def _wait_saved(page, people: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Each row says its entry reached the server (what was queued before it too); never a score."""
    for enrollment in people:
        expect(page.locator(f"#candidate-{enrollment} .entry-state")).to_have_text(SENT, timeout=40_000)
    assert page.locator(".badge.score").count() == 0


def _wait_all_sent(page) -> None:  # type: ignore[no-untyped-def]
    _wait_status(page, ALL_SENT)


def _confirm_all_and_lock(chromium, base: str, sitting_id: int) -> None:  # type: ignore[no-untyped-def]
    """The second proctor, on a tablet of their own, confirms every entry and locks the sitting."""
    context = chromium.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, base, "proctor2")
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    confirm = page.locator("form[action$='/confirm'] button")
    while confirm.count():
        confirm.first.click()
        page.wait_for_load_state()
    page.click("#lock-sitting")
    page.wait_for_selector("p.badge:has-text('已锁定')")
    context.close()


def _publish(page, base: str, class_id: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/officer/classes/{class_id}")
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("text=成绩已发布")


def _local(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_exam_day_with_the_network_dropping(live_server, browser, tmp_path):  # noqa: F811
    app, base = live_server.app, str(live_server)
    with app.app_context():
        ready = db_session().scalar(select(Sitting).where(Sitting.status == "scheduled"))
        sitting_id, class_id = ready.id, ready.class_id
    people = _roster(app, sitting_id)
    assert len(people) >= 8

    tablet = browser.new_context(viewport=TABLET)
    page = tablet.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, base, "proctor")
    page.click(f"a[href='/proctor/sittings/{sitting_id}']")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the second visit is served through the worker, which keeps a copy for offline use

    # Online: two candidates checked in, one sheet tapped on the grid (all right), one typed (blank).
    plan = {people[0]: True, people[1]: False, people[2]: True, people[3]: False}
    _check_in(page, people[0], seat=1)
    _enter_by_touch(page, people[0], _sheet(app, sitting_id, 1, plan[people[0]]))
    _check_in(page, people[1], seat=2)
    # The row may say "sent" for its check-in before the sheet typed just after it is even queued:
    # wait for the sheet itself to reach the server before the network goes.
    with page.expect_response(lambda r: r.url.endswith(f"/candidates/{people[1]}/result")):
        _enter(page, people[1], _sheet(app, sitting_id, 2, plan[people[1]]))
    _wait_saved(page, people[:2])

    # The network drops: entry goes on, kept on the tablet, and survives a reload of the page.
    tablet.set_offline(True)
    # Entry goes on once the tablet itself says it is offline: a check-in typed in the same instant
    # once reached the server (CI, PostgreSQL pass), before the page had seen the network go.
    _wait_status(page, "离线：录入内容已保存在本平板上（0 条待发送）")
    for seat, enrollment in enumerate(people[2:4], start=3):
        _check_in(page, enrollment, seat=seat)
        _enter(page, enrollment, _sheet(app, sitting_id, seat, plan[enrollment]))
    _check_in(page, people[4], presence="absent")
    # Two check-ins, two sheets and one absence wait on the tablet.
    _wait_status(page, "离线：录入内容已保存在本平板上（5 条待发送）")
    page.reload()
    expect(page.locator(f"#candidate-{people[3]}")).to_contain_text("已保存在本平板上")  # the outbox, shown
    page.screenshot(path=str(tmp_path / "tablet-offline.png"), full_page=True)
    keep_for_docs(page, "proctor-tablet-offline", "#tablet")
    with app.app_context():
        assert (
            db_session().scalar(
                select(func.count()).select_from(Attempt).where(Attempt.sitting_id == sitting_id)
            )
            == 2
        )

    # Back online: the outbox empties by itself.
    tablet.set_offline(False)
    _wait_saved(page, people[2:4])
    for enrollment in people[4:]:
        if enrollment != people[4]:
            _check_in(page, enrollment, presence="absent")
        expect(page.locator(f"#candidate-{enrollment} .entry-state")).to_have_text(SENT, timeout=40_000)
    _wait_all_sent(page)
    assert [
        e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e
    ] == []  # offline fetches fail, nothing else

    with app.app_context():
        s = db_session()
        attempts = s.scalars(select(Attempt).where(Attempt.sitting_id == sitting_id)).all()
        keys = s.scalar(select(func.count()).select_from(IdempotencyRecord))
    assert sorted(a.enrollment_id for a in attempts) == sorted(people)  # each exactly once
    assert keys == 4 + 4 + (len(people) - 4)  # four check-ins, four sheets, the absences: one record each
    scores = {a.enrollment_id: a.score_tenths for a in attempts if a.presence == "present"}
    assert scores == {e: (1000 if right else 0) for e, right in plan.items()}
    tablet.close()

    _confirm_all_and_lock(browser, base, sitting_id)
    office = browser.new_context(viewport=TABLET).new_page()
    sign_in(office, base, "officer")
    _publish(office, base, class_id)
    pending = office.locator("td.state-retake_pending")
    assert pending.count() == len(people) - 2  # the two failed sheets and every absence
    office.screenshot(path=str(tmp_path / "officer-published.png"), full_page=True)
    keep_for_docs(office, "officer-class", "#sittings")

    # The retake, a day later for the first sitting's proctors: only the retake candidates are called.
    with app.app_context():
        s = db_session()
        first = s.get(Sitting, sitting_id)
        first.starts_at = utcnow() - timedelta(days=1)
        first.release_at = first.starts_at - timedelta(hours=1)
        s.commit()
    clock = app.extensions["examsvc.clock"]
    starts = _local(clock.now() + timedelta(minutes=10))  # a sitting is scheduled ahead of its start
    office.goto(f"{base}/officer/classes/{class_id}")
    office.select_option("#sitting", "retake")
    office.click("#generate-paper")
    office.wait_for_selector("text=已生成")
    office.select_option("#sitting-kind", "retake")
    office.fill("#sitting-starts_at", starts)
    office.click("#schedule-sitting")
    office.click("#assign-proctors")  # the suggested proctors
    office.wait_for_url(re.compile(rf"/officer/classes/{class_id}"))
    with app.app_context():
        retake_id = db_session().scalar(
            select(Sitting.id).where(Sitting.class_id == class_id, Sitting.kind == "retake")
        )
    clock.advance(timedelta(minutes=15))  # ... and the retake has begun
    called = _roster(app, retake_id)
    assert sorted(called) == sorted(e for e in people if not plan.get(e, False))

    tablet = browser.new_context(viewport=TABLET)
    page = tablet.new_page()
    sign_in(page, base, "proctor")
    page.goto(f"{base}/proctor/sittings/{retake_id}")
    assert sorted(int(i) for i in re.findall(r'id="candidate-(\d+)"', page.content())) == sorted(called)
    for seat, enrollment in enumerate(called, start=1):
        _check_in(page, enrollment, seat=seat)
        _enter(page, enrollment, _sheet(app, retake_id, seat, right=seat != 1))  # the first fails again
    _wait_saved(page, called)
    _wait_all_sent(page)
    tablet.close()
    _confirm_all_and_lock(browser, base, retake_id)
    _publish(office, base, class_id)

    with app.app_context():
        s = db_session()
        states = exam_states(s, s.get(Sitting, sitting_id).training_class)
        most = max(s.scalars(select(func.count()).select_from(Attempt).group_by(Attempt.enrollment_id)))
        papers = s.scalar(select(func.count()).select_from(Paper).where(Paper.class_id == class_id))
    assert most == 2 and papers == 2  # a fresh paper for the retake; nobody sat more than twice
    assert states[called[0]] == "must_retrain"
    assert all(states[e] == "passed" for e in people if e != called[0])
