"""Hostile input in every field a user types: pages show it as text, spreadsheets as plain cells, PDFs
print it literally and obey no `<meta name="pdfkit-...">` it carries.

One scenario for the module (an exam takes seconds): each value of tests/hostile_scene.py is typed
through the app's routes by the role that would type it, then every page, export and PDF that shows
it is fetched. Each value holds a live tag or an attribute breakout, which only autoescaping stops,
and most start with a formula character, which only `safe_cell` stops. Unescaped, a `<meta
name="pdfkit-orientation" content="Landscape">` in the HTML is read by pdfkit, which adds
`--orientation Landscape` to wkhtmltopdf's command line. Checked once by breaking each protection
locally: with autoescaping off every page test fails (but the question edit form, whose fields
WTForms escapes itself) and every PDF test fails, on the text and, with the text check removed, on
the landscape pages; with `safe_cell` returning its value every spreadsheet test fails.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from .class_helpers import roster_csv
from .conftest import bound_app, make_test_config
from .helpers import Client, job_file
from .hostile_scene import CONFIRMER_USERNAME, HOSTILE, build


@pytest.fixture(scope="module")
def scene(engine, database_url, key_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    """conftest's `app`, once for the module: the tests only read what the scenario made."""
    config = make_test_config(tmp_path_factory.mktemp("hostile"), database_url, key_dir=key_dir)
    with bound_app(engine, config) as app:
        yield build(app)


# --- pages -----------------------------------------------------------------------------------------

AUDIT_SEARCH = urlencode({"actor": HOSTILE["audit_search"], "object_id": HOSTILE["audit_search"]})
CLASS = "title venue institution employer name1 name2 name3"

# (who looks, page, the fields it shows). "answer": the page that answered the hostile form itself.
PAGES = [
    ("school", "/institution", "institution school_user"),
    ("school", "/institution/classes/", "title"),
    ("school", "/institution/classes/{class_id}", CLASS),
    ("answer", "rejected roster", "id_type"),
    ("answer", "returned class", "return"),
    ("officer", "/officer/classes/", "title institution"),
    ("officer", "/officer/classes/{class_id}", f"{CLASS} sitting_venue proctor confirmer revoke"),
    ("officer", "/officer/sittings/{sitting_id}/results", "name1 name2 name3"),
    ("officer", "/officer/sittings/{sitting_id}/proctors", "title sitting_venue proctor confirmer"),
    ("officer", "/officer/trainees/", "employer name1 name2 name3"),
    ("officer", "/officer/trainees/{trainee_id}", "name1 employer title institution"),
    ("officer", "/officer/institutions/", "institution suspension"),
    ("officer", "/officer/coverage/?year=2026", "institution"),
    ("answer", "bad target", "target"),
    ("officer", "/officer/coverage/payment?year=2026", "title institution"),
    ("officer", "/bank/questions/{question_id}", "stem option explanation"),
    ("officer", "/bank/questions/{question_id}/edit", "stem option explanation"),  # WTForms escapes
    ("officer", f"/audit/?{AUDIT_SEARCH}", "audit_search"),
    ("officer", "/audit/?object_type=class&object_id={class_id}", "return"),
    ("officer", "/audit/?object_type=certificate", "revoke"),
    ("officer", "/audit/?object_type=attempt", "correction"),
    ("tablet", "/proctor", "title sitting_venue proctor"),
    ("tablet", "/proctor/sittings/{sitting_id}", "title institution sitting_venue name1 name2 name3"),
    ("admin", "/admin/users", "school_user proctor confirmer"),
    ("admin", "/admin/orgs", "bureau institution employer"),
    ("public", "/v/{valid_token}", "bureau name2"),
]


def _ids(sc) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "class_id": sc.class_id,
        "sitting_id": sc.sitting_id,
        "trainee_id": sc.trainee_ids[0],
        "employer_id": sc.employer_id,
        "question_id": sc.question_id,
        "paper_id": sc.paper_id,
        "valid_token": sc.valid_token,
    }


def _fetch(sc, who: str, path: str):  # type: ignore[no-untyped-def]
    if who == "answer":
        return sc.pages[path]
    client = Client(sc.app) if who == "public" else getattr(sc, who)
    if path.startswith("POST "):  # a file made by a background job: asked for, made, downloaded
        return job_file(client, path.removeprefix("POST ").format(**_ids(sc)), "/")
    return client.get(path.format(**_ids(sc)))


@pytest.mark.parametrize(("who", "path", "fields"), PAGES, ids=[f"{w} {p}" for w, p, _ in PAGES])
def test_pages_show_hostile_input_as_text(scene, who, path, fields):
    answer = _fetch(scene, who, path)
    assert answer.status_code in (200, 422)
    html = answer.get_data(as_text=True)
    # Autoescaping is what turns each value into its escaped form; without it the value lands raw.
    assert [f for f in fields.split() if str(escape(HOSTILE[f])) not in html] == []
    assert [f for f, value in HOSTILE.items() if value in html] == []


# --- spreadsheets ----------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# (who downloads, file with {fmt} = csv or xlsx, the fields it holds as whole cells)
SPREADSHEETS = [
    ("school", "/institution/classes/{class_id}/roster.{fmt}", "employer name3"),
    ("officer", "/officer/classes/{class_id}/roster.{fmt}", "employer name3"),
    ("officer", "/officer/coverage/payment/classes/{class_id}.{fmt}", "employer"),
    ("officer", "/officer/coverage/payment?year=2026&fmt={fmt}", "title institution"),
]
# The bureau's files: a ZIP of a CSV and an XLSX per section.
FILES = [
    (
        "POST /officer/files/class/{class_id}/zip",
        "title venue institution employer name3 sitting_venue revoke",
    ),
    ("POST /officer/files/trainee/{trainee_id}/zip", "employer title institution revoke"),
    ("POST /officer/files/employer/{employer_id}/zip", "employer name3"),
]


def cells(name: str, data: bytes) -> list[str]:
    """Every cell as a spreadsheet would read it (a formula cell of an XLSX reads as "=...")."""
    if name.endswith(".csv"):
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    book = load_workbook(io.BytesIO(data))
    values = (c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    return [str(v) for v in values if v is not None]


def assert_neutralised(found: list[str], fields: str) -> None:
    # Without safe_cell these values would start their cells with their formula character.
    assert [c for c in found if c.startswith(FORMULA_START)] == []
    assert [f for f in fields.split() if "'" + HOSTILE[f] not in found] == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("who", "path", "fields"), SPREADSHEETS, ids=[p for _, p, _ in SPREADSHEETS])
def test_spreadsheets_neutralise_formulas(scene, who, path, fields, fmt):
    answer = getattr(scene, who).get(path.format(fmt=fmt, **_ids(scene)))
    assert answer.status_code == 200
    assert_neutralised(cells(f"export.{fmt}", answer.get_data()), fields)


@pytest.mark.parametrize(("path", "fields"), FILES, ids=[p for p, _ in FILES])
def test_file_archives_neutralise_formulas(scene, path, fields):
    archive = zipfile.ZipFile(io.BytesIO(_fetch(scene, "officer", path).get_data()))
    found = [c for name in archive.namelist() for c in cells(name, archive.read(name))]
    assert_neutralised(found, fields)
    if "class" in path:
        assert "'" + CONFIRMER_USERNAME in found  # a user name, as the actor of the audit section


def test_the_bulk_check_answer_neutralises_the_names_it_echoes(scene):
    """An employer's sheet comes back with its names (the scene's app: SQLite has one writer)."""
    client = Client(scene.app)
    names = ['=HYPERLINK("http://evil.example")', "+1+1", "-1+1", "@SUM(1)"]
    sheet = roster_csv([[n, f"AQ2026{60 + i:06d}"] for i, n in enumerate(names)], header=["姓名", "证书编号"])
    upload = {"sheet": (io.BytesIO(sheet), "staff.csv")}
    answer = client.post("/verify/bulk", upload, page="/verify", content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    found = cells("answer.csv", answer.get_data())
    assert [c for c in found if c.startswith(FORMULA_START)] == []
    assert all("'" + n in found for n in names)


@pytest.mark.parametrize("start", FORMULA_START)
def test_safe_cell_neutralises_every_formula_start(start):
    """Each start on its own (the scenario types a tab, but no CR: XLSX would read it back as LF)."""
    from examsvc.classes.roster import csv_bytes, xlsx_bytes

    value = f"{start}cmd|' /C calc'!A0"
    assert cells("x.csv", csv_bytes([[value]])) == ["'" + value]
    assert cells("x.xlsx", xlsx_bytes([[value]], "x"))[0].startswith("'")  # (XML reads CR as LF)


# --- PDFs ------------------------------------------------------------------------------------------

PDFS = [
    ("officer", "POST /officer/classes/{class_id}/certificates/pdf", "bureau title institution name1 name2"),
    ("public", "/v/{valid_token}/certificate.pdf", "bureau title institution name2"),
    ("officer", "POST /officer/papers/{paper_id}/pdf", "bureau title institution stem option"),
    ("tablet", "POST /proctor/sittings/{sitting_id}/paper", "bureau title stem option"),
    (
        "officer",
        "POST /officer/files/class/{class_id}/pdf",
        f"{CLASS} bureau sitting_venue proctor confirmer return revoke correction",
    ),
    (
        "officer",
        "POST /officer/files/trainee/{trainee_id}/pdf",
        "bureau name1 employer title institution revoke",
    ),
    ("officer", "POST /officer/files/employer/{employer_id}/pdf", "bureau employer name1 name2 name3"),
]
A4_PORTRAIT = "595 x 842 pts (A4)"  # landscape would be 842 x 595


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_facts(pdf: bytes, tmp_path: Path) -> tuple[str, set[str]]:
    """The text (pdftotext -raw keeps each table cell's lines together) and the page sizes."""
    path = tmp_path / "hostile.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True).stdout
    info = subprocess.run(["pdfinfo", "-l", "999", str(path)], check=True, capture_output=True, text=True)
    sizes = set(re.findall(r"^Page +\d+ size: +(.+)$", info.stdout, re.MULTILINE))
    return _flat(text.decode()), sizes


@pytest.mark.parametrize(("who", "path", "fields"), PDFS, ids=[p for _, p, _ in PDFS])
def test_pdfs_print_hostile_input_literally_and_obey_none_of_it(scene, who, path, fields, tmp_path):
    answer = _fetch(scene, who, path)
    assert answer.status_code == 200 and answer.get_data().startswith(b"%PDF")
    text, sizes = pdf_facts(answer.get_data(), tmp_path)
    # The markup is printed as text: escaped, it is text to wkhtmltopdf; unescaped it would vanish.
    assert [f for f in fields.split() if _flat(HOSTILE[f]) not in text] == []
    # Every page stays A4 portrait: pdfkit never saw a <meta name="pdfkit-orientation">.
    assert sizes == {A4_PORTRAIT}
