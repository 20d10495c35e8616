"""Certificate PDFs prove themselves: a PAdES signature (field BureauSeal) that a validator trusting the
bureau's CA accepts, that one changed byte breaks, made with a certificate development creates once;
and the round red seal printed where a paper certificate has its seal."""

from __future__ import annotations

import io
import stat
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageChops
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from examsvc.core import pdf_signing
from examsvc.core.keyring import init_keys
from examsvc.core.pdf import PdfError, render_pdf

from .cert_helpers import certified
from .helpers import job_file
from .paper_helpers import pdf_text

DPI = 100


def _key_dir(app) -> Path:  # type: ignore[no-untyped-def]
    return app.config["EXAMSVC"].resolved_key_dir()


def _validate(pdf: bytes, key_dir: Path, **contexts: ValidationContext):  # type: ignore[no-untyped-def]
    """The one signature's status, judged by a validator that trusts only the local CA."""
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    roots = ValidationContext(trust_roots=[load_cert_from_pemder(str(key_dir / pdf_signing.CA_FILE))])
    return signatures[0], validate_pdf_signature(signatures[0], roots, **contexts)


def _assert_signed(pdf: bytes, key_dir: Path) -> None:
    signature, status = _validate(pdf, key_dir)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert signature.field_name == "BureauSeal"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES, not adbe.pkcs7
    assert status.coverage.name == "ENTIRE_FILE"


def test_the_holder_and_class_pdfs_are_signed_and_one_changed_byte_shows(
    app, client, sitting, tablet, officer, tmp_path
):
    certs = certified(app, sitting, tablet, officer)
    key_dir = _key_dir(app)
    holder = client.get(f"/v/{certs[0].token}/certificate.pdf")
    assert holder.status_code == 200
    pdf = holder.get_data()
    _assert_signed(pdf, key_dir)
    reason = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].sig_object["/Reason"]
    assert reason == "测试市应急管理局 签发的安全生产培训合格证明"  # what a reader's signature panel says
    assert certs[0].number in pdf_text(pdf, tmp_path)  # the signature is an update: the text is as it was
    class_pdf = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/pdf", "/")
    assert class_pdf.status_code == 200
    _assert_signed(class_pdf.get_data(), key_dir)
    zipped = zipfile.ZipFile(
        io.BytesIO(job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/zip", "/").data)
    )
    for name in zipped.namelist():
        _assert_signed(zipped.read(name), key_dir)

    # One byte of the first page's content stream (not of the signature's own /Contents), which lies
    # in the first signed range.
    reader = PdfFileReader(io.BytesIO(pdf))
    content = reader.root["/Pages"]["/Kids"][0].raw_get("/Contents").idnum
    at = pdf.index(b"stream", pdf.index(b"\n%d 0 obj" % content)) + 20
    byte_range = reader.embedded_signatures[0].sig_object["/ByteRange"]
    start, first_length = int(byte_range[0]), int(byte_range[1])
    assert start <= at < start + first_length
    changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    _, status = _validate(changed, key_dir)
    assert not status.intact and not status.bottom_line  # the digest no longer matches


def test_the_seal_is_printed_red_and_42_mm_wide_at_the_bottom_right(
    app, client, sitting, tablet, officer, tmp_path
):
    certs = certified(app, sitting, tablet, officer)
    (tmp_path / "c.pdf").write_bytes(client.get(f"/v/{certs[0].token}/certificate.pdf").get_data())
    page = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(tmp_path / "c.pdf"), page], check=True
    )
    red, green, blue = Image.open(page.with_suffix(".png")).convert("RGB").split()
    # The seal's red #c8102e: R > 170, G < 60, B < 90 (not the anti-aliased edges of the dark red frame).
    seal = ImageChops.multiply(
        red.point(lambda v: 255 if v > 170 else 0),
        ImageChops.multiply(
            green.point(lambda v: 255 if v < 60 else 0), blue.point(lambda v: 255 if v < 90 else 0)
        ),
    )
    assert seal.histogram()[255] > 1000, "no seal on the page"
    left, top, right, _ = seal.getbbox()
    width, height = seal.size
    assert left > width / 2 and top > height * 0.6, "red outside the bottom right: not the seal"
    across_mm = (right - left) / DPI * 25.4
    assert 39 <= across_mm <= 45, f"the seal is {across_mm:.1f} mm across"


def test_a_development_key_dir_gets_its_signer_once(tmp_path):
    key_dir = tmp_path / "keys"
    created = init_keys(key_dir)
    assert set(pdf_signing.FILES) <= set(created)
    files = {name: (key_dir / name).read_bytes() for name in pdf_signing.FILES}
    for name in pdf_signing.FILES:
        assert stat.S_IMODE((key_dir / name).stat().st_mode) == 0o600
    assert init_keys(key_dir) == []  # the second start creates nothing
    pdf_signing.ensure_document_signer(key_dir, "another name")
    assert {name: (key_dir / name).read_bytes() for name in pdf_signing.FILES} == files

    ca = x509.load_pem_x509_certificate(files[pdf_signing.CA_FILE])
    cert = x509.load_pem_x509_certificate(files[pdf_signing.CERT_FILE])
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == ca.subject and "(development)" in ca.subject.rfc4514_string()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert pdf_signing.DOCUMENT_SIGNING in purposes
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 2.9 < years < 3.1 and (ca.not_valid_after_utc - ca.not_valid_before_utc).days >= 3650

    (key_dir / pdf_signing.KEY_FILE).unlink()  # half a set is a broken installation, never "fixed"
    with pytest.raises(pdf_signing.PdfSigningError, match="not all"):
        pdf_signing.ensure_document_signer(key_dir, "x")


def test_a_validator_that_trusts_another_ca_does_not_trust_the_signature(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    pdf_signing.ensure_document_signer(ours, "测试市应急管理局")
    pdf_signing.ensure_document_signer(theirs, "测试市应急管理局")  # the same name, another key
    signed = pdf_signing.sign_pdf(render_pdf("<!doctype html><meta charset=utf-8><p>证明</p>"), ours)
    _, status = _validate(signed, theirs)
    assert status.intact and not status.trusted and not status.bottom_line


def test_signing_without_its_files_is_a_pdf_error_the_views_already_answer(tmp_path):
    with pytest.raises(pdf_signing.PdfSigningError) as raised:
        pdf_signing.sign_pdf(b"%PDF-1.4", tmp_path)
    assert isinstance(raised.value, PdfError)


def _tsa_certificate() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test TSA")])
    now = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture
def tsa() -> Iterator[tuple[str, x509.Certificate]]:
    """An RFC 3161 time-stamp authority on 127.0.0.1 (pyHanko's DummyTimeStamper behind HTTP)."""
    cert, key = _tsa_certificate()
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    stamper = DummyTimeStamper(asn1_cert, asn1_keys.PrivateKeyInfo.load(key_der))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", asn1_cert
    finally:
        server.shutdown()
        server.server_close()


def test_with_a_tsa_url_the_signature_carries_a_time_stamp(tmp_path, tsa):
    url, tsa_cert = tsa
    key_dir = tmp_path / "keys"
    pdf_signing.ensure_document_signer(key_dir, "测试市应急管理局")
    pdf = render_pdf("<!doctype html><meta charset=utf-8><p>时间戳</p>")
    _, unstamped = _validate(pdf_signing.sign_pdf(pdf, key_dir), key_dir)
    assert unstamped.timestamp_validity is None  # B-B
    signed = pdf_signing.sign_pdf(pdf, key_dir, tsa_url=url)
    _, status = _validate(signed, key_dir, ts_validation_context=ValidationContext(trust_roots=[tsa_cert]))
    assert status.bottom_line and status.timestamp_validity is not None  # B-T
    assert status.timestamp_validity.intact and status.timestamp_validity.trusted
    with pytest.raises(pdf_signing.PdfSigningError):  # a TSA that does not answer: no unstamped PDF
        pdf_signing.sign_pdf(pdf, key_dir, tsa_url="http://127.0.0.1:9/")
