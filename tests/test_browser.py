"""Real browser: each role signs in at tablet size and sees its home page in both languages."""

from __future__ import annotations

import base64
import os
import re
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from examsvc import create_app
from examsvc.cli import main
from examsvc.core.crypto import totp
from examsvc.core.db import make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database

from .conftest import make_test_config

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
TABLET = {"width": 800, "height": 1280}  # a 10-inch tablet held upright
PHONE = {"width": 390, "height": 844}

DEMO = {  # from `examsvc demo load`
    "admin": ("admin", "Guanli#2026", "/admin/", "系统管理", "Administration"),
    "officer": ("officer", "Kaowu#2026!", "/officer", "考务管理", "Exam office"),
    "proctor": ("proctor", "Jiankao#2026", "/proctor", "监考", "Proctoring"),
    "institution": ("institution", "Peixun#2026", "/institution", "我的培训班次", "My training classes"),
}


class LiveServer(str):
    """The server's base URL, with the app behind it for looking into its database."""

    def __new__(cls, url: str, app):  # type: ignore[no-untyped-def]
        made = super().__new__(cls, url)
        made.app = app
        return made


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app on a real port, with the demo data committed to a database of its own."""
    tmp = tmp_path_factory.mktemp("live")
    base = os.environ.get("EXAMSVC_TEST_DATABASE_URL")
    url, drop = scratch_database(tmp, base if base and not base.startswith("sqlite") else None)
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    app = create_app(make_test_config(tmp, url, tmp / "keys"))
    result = app.test_cli_runner().invoke(main, ["demo", "load"])
    assert result.exit_code == 0, result.output
    app.extensions["examsvc.jobs"].start(1)  # a job thread, as a web process has (tests start it)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    app.extensions["examsvc.jobs"].stop()
    app.extensions["examsvc.db"].engine.dispose()
    drop()


def prepared_download(page, button: str):  # type: ignore[no-untyped-def]
    """Clicks a button that asks for a file made as a job, waits on its progress page for the
    download button, and downloads: what an officer does."""
    page.click(button)
    page.wait_for_selector("#job-download", state="visible", timeout=90_000)
    with page.expect_download() as download:
        page.click("#job-download")
    return download.value


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: scripts/test.sh installs Debian's chromium package"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# (server, username) -> (TOTP key, last time step used): each live server has its own demo accounts.
ENROLLED: dict[tuple[str, str], tuple[bytes, int]] = {}


def _fresh_code(account: tuple[str, str]) -> str:
    """A code for a step newer than the last one used (a used code is refused as a replay),
    waiting for the next step only when the window of accepted steps is used up."""
    key, last = ENROLLED[account]
    now = time.time()
    current = int(now) // totp.STEP_SECONDS
    step = max(current, last + 1)
    if step > current + totp.ALLOWED_DRIFT_STEPS:
        time.sleep((step - totp.ALLOWED_DRIFT_STEPS) * totp.STEP_SECONDS - now + 0.5)
    ENROLLED[account] = (key, step)
    return totp.code_at(key, step * totp.STEP_SECONDS)


ACCOUNTS = {**DEMO, "proctor2": ("proctor2", "Jiankao#2026", "/proctor", "监考", "Proctoring")}


def sign_in(page, base: str, role: str) -> None:  # type: ignore[no-untyped-def]
    username, password, home, *_ = ACCOUNTS[role]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button.primary")
    if home in {"/admin/", "/officer"}:  # officers and admins confirm with a second factor
        account = (base, username)
        if account not in ENROLLED:
            # First sign-in: the page shows the QR code and the key; an authenticator app computes the code.
            assert page.locator(".qr svg").count() == 1
            secret = page.inner_text("#totp-secret")
            ENROLLED[account] = (base64.b32decode(secret + "=" * (-len(secret) % 8)), 0)
        page.fill("#code", _fresh_code(account))
        page.click("button.primary")
    page.wait_for_url(re.compile(re.escape(home) + "$"))


def _fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("role", list(DEMO))
def test_each_role_signs_in_on_a_tablet_in_both_languages(live_server, browser, role, tmp_path):
    _, _, _, zh_text, en_text = DEMO[role]
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, role)

    assert page.get_attribute("html", "lang") == "zh-CN"
    assert zh_text in page.inner_text("main")
    assert _fits_the_screen(page)
    assert page.locator("button.link", has_text="退出").is_visible()
    page.screenshot(path=str(tmp_path / f"{role}-zh.png"), full_page=True)

    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert en_text in page.inner_text("main")
    assert page.locator("button.link", has_text="Sign out").is_visible()
    assert _fits_the_screen(page)
    page.screenshot(path=str(tmp_path / f"{role}-en.png"), full_page=True)

    page.click("button.link:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/login$"))
    assert errors == []  # no CSP violation or failed asset
    context.close()


def test_admin_pages_fit_a_phone(live_server, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert _fits_the_screen(page)
    box = page.locator("button.primary").bounding_box()
    assert box["height"] >= 44  # a touch target a thumb can hit
    context.close()


def test_institution_registers_a_class_and_the_officer_approves_it_then_browses_the_bank(
    live_server, browser, tmp_path
):
    from .class_helpers import person, roster_csv

    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "institution")
    page.click("a.button:has-text('新建班次')")
    page.fill("#title", "浏览器测试班（安全管理人员）")
    page.select_option("#industry", "machinery")
    page.select_option("#category", "manager")
    page.fill("#start_date", "2027-03-01")
    page.fill("#end_date", "2027-03-04")
    page.fill("#venue", "南宁市培训中心")
    page.fill("#venue_county_code", "450103")
    page.fill("#hours_online", "8")
    page.fill("#hours_offline", "16")
    page.fill("#hours_practical", "0")
    page.click("button.primary:has-text('保存')")
    page.wait_for_url(re.compile(r"/institution/classes/\d+$"))
    assert "符合全部规则" in page.inner_text(".checks")

    bad = tmp_path / "名册.csv"
    bad.write_bytes(roster_csv([person(901), person(902, id="110105194912310021"), person(903, name="")]))
    page.set_input_files("#roster", str(bad))
    page.click("#upload-roster")
    problems = page.inner_text(".problems")
    assert "校验码" in problems and "必填" in problems
    assert "暂无学员" in page.inner_text("table.roster")  # nothing was saved
    page.screenshot(path=str(tmp_path / "roster-errors.png"), full_page=True)

    good = tmp_path / "名册-改.csv"
    good.write_bytes(roster_csv([person(901), person(902), person(903)]))
    page.set_input_files("#roster", str(good))
    page.click("#upload-roster")
    page.wait_for_selector("text=已将 3 名学员加入名册")
    assert page.locator("table.roster tbody tr").count() == 3
    assert _fits_the_screen(page)
    page.click("#submit-class")
    page.wait_for_selector("text=已提交市局审批")
    code = page.inner_text("h1").split()[0]
    page.screenshot(path=str(tmp_path / "class-submitted.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, live_server, "officer")
    page.click("a:has-text('班次审核')")
    page.click(f"a:has-text('{code}')")
    page.click("#approve-class")
    page.wait_for_selector(f"text=班次 {code} 已批准")
    assert "已批准" in page.inner_text(".facts")
    # The paper for the approved class: generated and sealed, nobody can open it yet.
    page.click("#generate-paper")
    page.wait_for_selector("text=试卷已生成并密封")
    assert (
        "已密封" in page.inner_text("#papers")
        and page.locator("#papers button:has-text('生成 PDF')").count() == 0
    )
    _download_a_released_paper(page, tmp_path)
    _browse_the_bank(page, tmp_path)
    context.close()


def _download_a_released_paper(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The demo's examined class sat yesterday: its paper is released and prints for every seat."""
    page.click("a:has-text('班次审核')")
    page.select_option("#status", "examined")
    page.click("form.filters button.primary")
    page.click("table.list tbody tr:first-child a")
    path = tmp_path / "paper.pdf"
    prepared_download(page, "#papers button:has-text('生成 PDF')").save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def _browse_the_bank(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.click("a:has-text('题库')")
    page.select_option("#industry", "coal_mine")
    page.click("form.filters button.primary")
    page.wait_for_url(re.compile(r"industry=coal_mine"))
    assert "煤矿" in page.inner_text("table.list")
    assert _fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "bank-list.png"), full_page=True)
    page.click("table.list tbody tr:first-child a")
    assert page.locator(".question .stem").inner_text().strip()  # the decrypted stem, in Chinese
    page.screenshot(path=str(tmp_path / "bank-question.png"), full_page=True)
