"""Paper PDFs: every seat's variant in one wkhtmltopdf run, locked down (PDF.md).

wkhtmltopdf runs with JavaScript and local files off, every network fetch sent to a dead proxy,
no `javascript-delay`, and a timeout. All values reach the HTML through Jinja's autoescaping, so a
name like `<meta name="pdfkit-...">` or `<iframe src=file:///etc/passwd>` prints as text.
"""

from __future__ import annotations

import subprocess

import pdfkit
from flask import render_template

from .layout import paginate, question_lines
from .variants import LETTERS, SECTION_ORDER, seat_variant

TIMEOUT_SECONDS = 120
OPTIONS = {
    "quiet": "",
    "encoding": "UTF-8",
    "page-size": "A4",
    "margin-top": "10mm",
    "margin-bottom": "10mm",
    "margin-left": "10mm",
    "margin-right": "10mm",
    "javascript-delay": "0",
    "disable-javascript": "",
    "disable-local-file-access": "",
    "proxy": "http://127.0.0.1:9",  # a dead port: nothing is fetched from anywhere
}


class PdfError(RuntimeError):
    """wkhtmltopdf failed or took too long."""


def seat_pages(payload: dict, seed: int, seats: int) -> list[dict]:
    questions = payload["questions"]
    types = [q["type"] for q in questions]
    keys = [tuple(sorted(q.get("options") or {})) for q in questions]
    out = []
    for seat in range(1, seats + 1):
        variant = seat_variant(seed, payload["class"], payload["sitting"], seat, types, keys)
        printed = []
        for sq in variant.questions:
            q = questions[sq.index]
            options = [(LETTERS[i], q["options"][key]) for i, key in enumerate(sq.options)]
            printed.append(
                {
                    "number": sq.number,
                    "type": q["type"],
                    "stem": q["stem"],
                    "options": options,
                    "points": q["points_tenths"] / 10,
                }
            )
        heights = [
            question_lines(p["stem"], [t for _, t in p["options"]])
            + (2 if _starts_section(printed, i) else 0)
            for i, p in enumerate(printed)
        ]
        pages = [[printed[i] for i in page.items] for page in paginate(heights)]
        out.append({"serial": variant.serial, "pages": pages, "count": len(printed)})
    return out


def _starts_section(printed: list[dict], i: int) -> bool:
    return i == 0 or printed[i - 1]["type"] != printed[i]["type"]


def paper_html(payload: dict, seed: int, seats: int, facts: dict) -> str:
    return render_template(
        "pdf/paper.html", seats=seat_pages(payload, seed, seats), facts=facts, sections=SECTION_ORDER
    )


def render_pdf(html: str) -> bytes:
    """One wkhtmltopdf process for the whole document; pdfkit builds the command line."""
    command = pdfkit.PDFKit(html, "string", options=OPTIONS).command()
    try:
        # the command is pdfkit's: our fixed options and the wkhtmltopdf binary, never user input
        done = subprocess.run(command, input=html.encode(), capture_output=True, timeout=TIMEOUT_SECONDS)  # noqa: S603
    except subprocess.TimeoutExpired as exc:
        raise PdfError(f"wkhtmltopdf took more than {TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        raise PdfError(
            f"wkhtmltopdf failed ({done.returncode}): {done.stderr.decode(errors='replace')[-300:]}"
        )
    return done.stdout
