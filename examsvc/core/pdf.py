"""PDFs through wkhtmltopdf, locked down (see ../shared/PDF.md): one run per document, or for a
long document (a class's papers) one run per part, several at once, joined with pypdf.

wkhtmltopdf runs with JavaScript and local files off, every network fetch sent to a dead proxy,
no `javascript-delay`, and a timeout. All values reach the HTML through Jinja's autoescaping, so a
name like `<meta name="pdfkit-...">` or `<iframe src=file:///etc/passwd>` prints as text.
"""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import pdfkit
from pypdf import PdfWriter

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


def render_parts(
    parts: Sequence[str], processes: int = 0, on_part: Callable[[int], None] | None = None
) -> bytes:
    """One document made of several HTML parts, rendered at once (render_each) and joined in order."""
    rendered = render_each(parts, processes, on_part)
    return rendered[0] if len(rendered) == 1 else join(rendered)


def render_each(
    documents: Sequence[str], processes: int = 0, on_done: Callable[[int], None] | None = None
) -> list[bytes]:
    """Each HTML document in a wkhtmltopdf run of its own, `processes` at once (0: one per CPU
    core). Each run is a separate process, so threads are enough to use every core. `on_done(i)` is
    called in this thread as each is done, in the order they finish."""
    rendered: list[bytes] = [b""] * len(documents)
    with ThreadPoolExecutor(max_workers=processes or os.cpu_count() or 2) as pool:
        futures = {pool.submit(render_pdf, html): i for i, html in enumerate(documents)}
        try:
            for future in as_completed(futures):
                rendered[futures[future]] = future.result()
                if on_done is not None:
                    on_done(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()  # a failed run (or a lost lease) stops those not yet started
            raise
    return rendered


def join(pdfs: Sequence[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
