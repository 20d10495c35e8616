"""Certificate PDFs: the signed facts and a QR code of the verification URL, one page each.

The QR (core/qr.py) is a PNG in a data: URI (no fetch: PDF.md). The token is small enough
(claims.py) for version 15 (77 modules): 47.7 mm across.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from flask import render_template

from ..core.db import BEIJING
from ..core.pdf import render_each, render_pdf
from ..core.pdf_signing import sign_pdf
from ..core.qr import qr_png
from ..web.labels import code_label
from .models import Certificate


def verify_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/v/{token}"


def page_facts(
    cert: Certificate, bureau: str, base_url: str, public: bool = False, photo: str | None = None
) -> dict[str, object]:
    """`public`: the copy anyone holding the QR code can download, which shows no more of the ID
    number than the public page does (its last four) and no photo; the bureau's prints keep the
    masked number and print `photo` (a data: URI of the check-in photo, classes/photos.py)."""
    enrollment = cert.enrollment
    training_class = enrollment.training_class
    url = verify_url(base_url, cert.token)
    png, qr_width = qr_png(url)
    return {
        "bureau": bureau,
        "number": cert.number,
        "name": enrollment.trainee.name,
        "id_masked": "…" + enrollment.trainee.id_tail if public else enrollment.trainee.id_masked,
        "class_code": training_class.code,
        "class_title": training_class.title,
        "institution": training_class.institution.name,
        "industry": code_label("industry", training_class.industry),
        "category": code_label("category", training_class.category),
        "hours": cert.hours,
        "year": cert.credit_year,
        "issued": cert.issued_at.astimezone(BEIJING).strftime("%Y年%m月%d日"),
        "expires": cert.expires_at.astimezone(BEIJING).strftime("%Y年%m月%d日"),
        "url": url,
        "qr": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "qr_px": qr_width,
        "revoked": cert.revoked_at is not None,
        "photo": None if public else photo,
    }


def certificates_pdf(
    certs: Sequence[Certificate],
    bureau: str,
    base_url: str,
    public: bool = False,
    *,
    key_dir: Path | None = None,
    tsa_url: str | None = None,
) -> bytes:
    """All of them in one renderer run (one page each), then signed (PAdES, docs/pdf-signing.md) with
    the document-signing certificate in `key_dir`, so a reader shows any change; None: unsigned."""
    pages = [page_facts(c, bureau, base_url, public) for c in certs]
    return pdf_of_pages(pages, bureau, key_dir, tsa_url)


def pdf_of_pages(pages: list[dict], bureau: str, key_dir: Path | None, tsa_url: str | None) -> bytes:
    """One PDF of the pages' facts (page_facts: read while the rows are at hand), signed if `key_dir`."""
    pdf = render_pdf(render_template("pdf/certificate.html", pages=pages))
    return _signed(pdf, bureau, key_dir, tsa_url)


def _signed(pdf: bytes, bureau: str, key_dir: Path | None, tsa_url: str | None) -> bytes:
    if key_dir is None:
        return pdf
    return sign_pdf(pdf, key_dir, reason=f"{bureau} 签发的安全生产培训合格证明", tsa_url=tsa_url)


def zip_of_pages(
    pages: list[dict],
    bureau: str,
    key_dir: Path | None,
    tsa_url: str | None,
    processes: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One signed PDF per certificate, named by its number, in a ZIP; rendered on every core."""
    rendered_count = 0

    def rendered_one(_: int) -> None:
        nonlocal rendered_count
        rendered_count += 1
        if progress is not None:
            progress(rendered_count, len(pages))

    documents = [render_template("pdf/certificate.html", pages=[page]) for page in pages]
    rendered = render_each(documents, processes, rendered_one)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for page, pdf in zip(pages, rendered, strict=True):
            archive.writestr(f"{page['number']}.pdf", _signed(pdf, bureau, key_dir, tsa_url))
    return out.getvalue()
