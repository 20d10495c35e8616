"""PDFs through wkhtmltopdf, locked down (see ../shared/PDF.md): one run per document.

wkhtmltopdf runs with JavaScript and local files off, every network fetch sent to a dead proxy,
no `javascript-delay`, and a timeout. All values reach the HTML through Jinja's autoescaping, so a
name like `<meta name="pdfkit-...">` or `<iframe src=file:///etc/passwd>` prints as text.
"""

from __future__ import annotations

import subprocess

import pdfkit

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
