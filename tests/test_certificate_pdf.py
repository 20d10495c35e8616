"""The certificate PDF: every fact printed, and a QR code two independent decoders (zxing-cpp and
OpenCV) read back as the exact verification URL from a 150 dpi raster degraded like a photocopy:
version 15 or lower, modules of at least 0.6 mm, within 50 mm."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import qrcode
import qrcode.constants
import zxingcpp
from PIL import Image

from .cert_helpers import certified
from .helpers import job_file
from .paper_helpers import page_count, pdf_text

DPI = 150


def _raster(pdf: bytes, tmp_path) -> list[Image.Image]:  # type: ignore[no-untyped-def]
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True
    )
    return [Image.open(p) for p in sorted(tmp_path.glob("page*.png"))]


def test_the_qr_code_survives_a_photocopy_at_150_dpi(app, sitting, tablet, officer, tmp_path):
    certs = certified(app, sitting, tablet, officer)
    response = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/pdf", "/")
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
        width_mm = width_px / DPI * 25.4
        version = _version(f"{base}/v/{cert.token}")
        modules = 17 + 4 * version
        assert version <= 15 and width_mm <= 50, f"version {version}, {width_mm:.1f} mm"
        assert width_mm / modules >= 0.6, f"modules of {width_mm / modules:.2f} mm"
        _decodes_after_a_photocopy(image, f"{base}/v/{cert.token}", corners)


def _version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text.encode())
    code.make(fit=True)
    return code.version


def _photocopied(page: Image.Image) -> np.ndarray:
    """What a worn photocopy scanned at 150 dpi looks like: blurred, contrast lost, grey, noisy."""
    grey = np.asarray(page.convert("L"), dtype=np.float32)
    blurred = cv2.GaussianBlur(grey, (0, 0), 0.8)
    washed = 60 + blurred * (140 / 255)  # black prints as dark grey, white as light grey
    noise = np.random.default_rng(7).normal(0, 8, washed.shape)
    return np.clip(washed + noise, 0, 255).astype(np.uint8)


def _decodes_after_a_photocopy(page: Image.Image, url: str, corners) -> None:  # type: ignore[no-untyped-def]
    copy = _photocopied(page)
    assert [b.text for b in zxingcpp.read_barcodes(copy)] == [url]  # the whole page
    # OpenCV reads what a phone camera frames: the code with a margin around it.
    xs, ys, margin = [p.x for p in corners], [p.y for p in corners], 40
    framed = copy[min(ys) - margin : max(ys) + margin, min(xs) - margin : max(xs) + margin]
    text, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(framed)
    assert text == url
