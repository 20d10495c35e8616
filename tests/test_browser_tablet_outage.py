"""Real browser, tablet size: the server answering 503 (its database away) keeps the entry on the tablet."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, Sitting

from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)
from .test_browser_exam_day import SENT, _check_in, _roster, _wait_all_sent, _wait_status

pytestmark = pytest.mark.browser
# What examsvc/web/errors.py answers a JSON client while the database cannot be reached.
UNAVAILABLE = {"error": "数据库暂时无法连接。本次提交未保存，请一分钟后重试。", "status": 503}


def _attempts(app, sitting_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(
            select(func.count()).select_from(Attempt).where(Attempt.sitting_id == sitting_id)
        )


@pytest.mark.parametrize("status", [503, 502, 429])
def test_an_entry_the_server_did_not_take_stays_on_the_tablet(live_server, browser, status):  # noqa: F811
    app, base = live_server.app, str(live_server)
    with app.app_context():
        sitting_id = db_session().scalar(select(Sitting.id).where(Sitting.status == "scheduled"))
    enrollment = _roster(app, sitting_id)[[503, 502, 429].index(status)]
    before = _attempts(app, sitting_id)

    # Requests the service worker answers pass by page.route; the worker's offline copy is tested
    # with the network dropping (test_browser_exam_day.py), not here.
    tablet = browser.new_context(viewport=TABLET, service_workers="block")
    page = tablet.new_page()
    sign_in(page, base, "proctor")
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    refused: list[str] = []

    def unavailable(route) -> None:  # type: ignore[no-untyped-def]
        refused.append(route.request.url)
        if status == 502:  # a reverse proxy's own error page: HTML, not JSON
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
        else:
            route.fulfill(status=status, content_type="application/json", body=json.dumps(UNAVAILABLE))

    page.route("**/check-in", unavailable)
    _check_in(page, enrollment, presence="absent")
    for _ in range(100):  # the send is asynchronous: wait until the refusal has come back
        if refused:
            break
        page.wait_for_timeout(100)
    assert refused, "the tablet did not try to send"
    _wait_status(page, "（1 条待发送）")
    expect(page.locator(f"#candidate-{enrollment}")).to_contain_text("已保存在本平板上")
    assert _attempts(app, sitting_id) == before

    # The server is back: the next round (here the browser's online event) sends the kept entry.
    page.unroute("**/check-in")
    tablet.set_offline(True)
    tablet.set_offline(False)
    expect(page.locator(f"#candidate-{enrollment} .entry-state")).to_have_text(SENT, timeout=40_000)
    _wait_all_sent(page)
    assert _attempts(app, sitting_id) == before + 1
    tablet.close()


def test_a_tablet_that_knows_it_is_offline_does_not_try_to_send(live_server, browser):  # noqa: F811
    """An entry made while the tablet says it has no network is kept, not tried, until "online".

    A try at the instant the link goes can reach the server while its answer is lost (harmless under
    the idempotency key, but the entry then looks unsent while the server holds it). The network is
    in fact up here, so any try would show in `tried`.
    """
    app, base = live_server.app, str(live_server)
    with app.app_context():
        sitting_id = db_session().scalar(select(Sitting.id).where(Sitting.status == "scheduled"))
    enrollment = _roster(app, sitting_id)[3]
    before = _attempts(app, sitting_id)

    tablet = browser.new_context(viewport=TABLET, service_workers="block")
    # The page reads navigator.onLine from this switch, so the network itself stays up.
    tablet.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'onLine', "
        "{configurable: true, get: () => !window.examsvcTestOffline});"
    )
    page = tablet.new_page()
    sign_in(page, base, "proctor")
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    _wait_all_sent(page)
    tried: list[str] = []
    page.on("request", lambda request: tried.append(request.url) if request.method == "POST" else None)

    page.evaluate("() => { window.examsvcTestOffline = true; window.dispatchEvent(new Event('offline')); }")
    _check_in(page, enrollment, presence="absent")
    _wait_status(page, "离线：录入内容已保存在本平板上（1 条待发送）")
    page.wait_for_timeout(500)  # time for a send, had one been started
    assert tried == []
    assert _attempts(app, sitting_id) == before

    page.evaluate("() => { window.examsvcTestOffline = false; window.dispatchEvent(new Event('online')); }")
    expect(page.locator(f"#candidate-{enrollment} .entry-state")).to_have_text(SENT, timeout=40_000)
    assert len(tried) == 1 and tried[0].endswith("/check-in")
    assert _attempts(app, sitting_id) == before + 1
    tablet.close()
