"""Chinese first, English second; every user-visible string is in the catalog and translated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "examsvc" / "translations"
ZH_PO = CATALOGS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _extract(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from babel.messages.frontend import main; main()",
            "extract",
            "-F",
            str(CATALOGS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_every_string_is_translated_into_chinese(tmp_path):
    with ZH_PO.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    untranslated = sorted(msgid for msgid in _extract(tmp_path) if not catalog.get(msgid))
    assert untranslated == [], "run scripts/i18n.sh and translate: " + repr(untranslated[:5])


def test_compiled_catalog_matches_the_po_file():
    with ZH_PO.open("rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id and not m.fuzzy}
    with (ZH_PO.with_suffix(".mo")).open("rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert mo == po, "run scripts/i18n.sh to compile the catalog"


def test_translations_keep_their_placeholders():
    """A msgstr whose %(name)s placeholders differ from its msgid's fails when shown (pybabel
    compile only warns: "placeholders are incompatible")."""
    from babel.messages.catalog import TranslationError
    from babel.messages.checkers import python_format

    with ZH_PO.open("rb") as fh:
        catalog = read_po(fh)
    broken = []
    for message in catalog:
        if not message.id or not message.python_format:
            continue
        try:
            python_format(catalog, message)
        except TranslationError as exc:
            broken.append((message.id, str(exc)))
    assert broken == []


def test_chinese_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page
    client.post("/lang", {"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "登录" not in page.split("</header>")[1]


def test_language_switch_refuses_to_leave_the_site(client):
    response = client.post("/lang", {"lang": "en", "next": "//evil.example/"})
    assert response.location == "/"
