"""The certificate PDF: every fact printed, and a QR code an independent decoder reads back from a
150 dpi raster as the exact verification URL, printed at least 35 mm wide."""

from __future__ import annotations

import subprocess

import zxingcpp
from PIL import Image

from .cert_helpers import certified
from .paper_helpers import page_count, pdf_text

DPI = 150


def _raster(pdf: bytes, tmp_path) -> list[Image.Image]:  # type: ignore[no-untyped-def]
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True
    )
    return [Image.open(p) for p in sorted(tmp_path.glob("page*.png"))]


def test_the_qr_code_decodes_to_the_exact_url_at_35_mm(app, sitting, tablet, officer, tmp_path):
    certs = certified(app, sitting, tablet, officer)
    response = officer.get(f"/officer/classes/{sitting.class_id}/certificates.pdf")
    assert response.status_code == 200
    pdf = response.get_data()
    assert page_count(pdf, tmp_path) == len(certs)  # one renderer run, one page each
    text = pdf_text(pdf, tmp_path)
    for cert in certs:
        assert cert.number in text
    assert "计入再培训学时" in text and "24 学时" in text and "煤矿" in text
    base = app.config["EXAMSVC"].base_url
    for image, cert in zip(_raster(pdf, tmp_path), certs, strict=True):
        found = zxingcpp.read_barcodes(image)
        assert [b.text for b in found] == [f"{base}/v/{cert.token}"]
        qr = found[0]
        assert qr.format == zxingcpp.BarcodeFormat.QRCode and qr.ec_level == "M"
        corners = [
            qr.position.top_left,
            qr.position.top_right,
            qr.position.bottom_right,
            qr.position.bottom_left,
        ]
        width_px = max(p.x for p in corners) - min(p.x for p in corners)
        assert width_px / DPI * 25.4 >= 35, f"QR printed {width_px / DPI * 25.4:.1f} mm wide"
