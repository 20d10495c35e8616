"""Real browser, tablet size: signing out of a shared tablet leaves nothing of the proctor on it, and
asks first when entries have not reached the server (static/signout.js, Clear-Site-Data on logout,
one service-worker cache per user)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.exams.models import Sitting

from .test_browser import TABLET, browser, live_server, sign_in  # noqa: F401 (fixtures)
from .test_browser_exam_day import _check_in, _roster, _wait_status

pytestmark = pytest.mark.browser

STORED = """async () => {
  const names = await caches.keys();
  const dbs = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
  const workers = (await navigator.serviceWorker.getRegistrations()).length;
  return { names, dbs, workers };
}"""


def _at_the_sitting(server, chromium, role: str):  # type: ignore[no-untyped-def]
    """A tablet signed in as `role` on the demo's open sitting, its page kept by the service worker:
    (browser context, page, sitting id)."""
    app, base = server.app, str(server)
    with app.app_context():
        sitting_id = db_session().scalar(select(Sitting.id).where(Sitting.status == "scheduled"))
    tablet = chromium.new_context(viewport=TABLET)
    page = tablet.new_page()
    sign_in(page, base, role)
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # through the worker: it keeps a copy of the page
    return tablet, page, sitting_id


def test_signing_out_clears_the_tablet_and_the_next_user_finds_nothing(live_server, browser):  # noqa: F811
    """Guards: auth.views.logout's Clear-Site-Data, and tablet-sw.js's cache per user."""
    tablet, page, _ = _at_the_sitting(live_server, browser, "proctor")
    before = page.evaluate(STORED)
    assert any(re.fullmatch(r"examsvc-tablet-v2-\d+", n) for n in before["names"]) and before["workers"] == 1
    page.click("#sign-out button")
    page.wait_for_url(re.compile(r"/login$"))
    after = page.evaluate(STORED)
    assert after == {"names": [], "dbs": [], "workers": 0}, after
    tablet.close()


def test_unsent_entries_hold_sign_out_until_the_proctor_agrees(live_server, browser):  # noqa: F811
    """Guard: static/signout.js counts the outbox and asks before the sign-out clears it."""
    tablet, page, sitting_id = _at_the_sitting(live_server, browser, "proctor2")
    tablet.set_offline(True)
    _wait_status(page, "（0 条待发送）")
    _check_in(page, _roster(live_server.app, sitting_id)[-1], presence="absent")
    _wait_status(page, "（1 条待发送）")
    asked: list[str] = []

    def decline(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("#sign-out button")
    page.wait_for_timeout(500)
    assert asked and "1" in asked[0] and "尚未" in asked[0]
    assert "/proctor/sittings/" in page.url  # still signed in, the entry still kept
    tablet.set_offline(False)
    expect(page.locator("#sync-status")).to_contain_text("在线", timeout=40_000)
    page.once("dialog", lambda dialog: asked.append("again"))  # nothing unsent: no question now
    page.click("#sign-out button")
    page.wait_for_url(re.compile(r"/login$"))
    assert asked == asked[:1]
    tablet.close()
