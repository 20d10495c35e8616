"""PAdES signatures on the documents the bureau issues (the certificate PDFs).

A printed seal can be copied; a signature cannot. Signed with the bureau's document-signing
certificate, the document shows in a reader that checks signatures as signed, by whom, and unchanged
since; changing one byte breaks it. PAdES baseline B-B, or B-T (a time-stamp authority's token
proves when it was signed) when a TSA URL is configured.

The key directory holds three PEM files: the CA that issued the signing certificate, the signing
certificate, and its private key. Production copies the bureau's real ones there (docs/pdf-signing.md);
a development installation creates a local CA of its own, whose private key is thrown away.
"""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pdf import PdfError

CA_FILE = "doc-signing-ca.pem"
CERT_FILE = "doc-signing.pem"
KEY_FILE = "doc-signing-key.pem"
FILES = (CA_FILE, CERT_FILE, KEY_FILE)
FIELD_NAME = "BureauSeal"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
TSA_TIMEOUT_SECONDS = 10


class PdfSigningError(PdfError):
    """The PDF could not be signed: key files missing or unreadable, or the TSA did not answer.

    A PdfError (so a RuntimeError): the views that already answer a failed render answer this too."""


def _write_new(path: Path, data: bytes) -> None:
    # O_EXCL: never overwrites a certificate or key, even if two processes start at once.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _name(common_name: str, organisation_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
        ]
    )


def ensure_document_signer(key_dir: Path, organisation_name: str) -> None:
    """Create a local CA and a document-signing certificate it issued, unless all three files are
    there. Half a set is refused: it is a production installation gone wrong, not a fresh one."""
    present = [name for name in FILES if (key_dir / name).exists()]
    if len(present) == len(FILES):
        return
    if present:
        raise PdfSigningError(f"{key_dir} holds {', '.join(present)} but not all of {', '.join(FILES)}")
    now = datetime.now(UTC) - timedelta(minutes=5)  # a reader whose clock is a little behind
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation_name} 本地根证书 (development)", organisation_name)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3653))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    # emailProtection beside documentSigning: older Acrobat accepts only a few purposes for signing
    # (emailProtection among them) and rejects a certificate whose EKU names none of them.
    purposes = [DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation_name, organisation_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3 * 365 + 1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    # The CA's private key is never written: a development CA issues this one certificate only.
    # The signing key is plain PEM, mode 0600, in the owner-only key directory like every other key
    # there: a passphrase would have to be stored beside it, which adds nothing.
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_new(key_dir / KEY_FILE, key_pem)
    _write_new(key_dir / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    _write_new(key_dir / CA_FILE, ca.public_bytes(serialization.Encoding.PEM))


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation: what Acrobat calls "sign document"
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _signer(key_dir: Path) -> signers.SimpleSigner:
    key_path = key_dir / KEY_FILE
    try:
        if stat.S_IMODE(key_path.stat().st_mode) & 0o077:
            raise PdfSigningError(f"{key_path} can be read by others; run: chmod 600 {key_path}")
        return signers.SimpleSigner(
            signing_cert=load_cert_from_pemder(str(key_dir / CERT_FILE)),
            signing_key=load_private_key_from_pemder(str(key_path), passphrase=None),
            # the CA (a chain, in production) goes into the signature: a validator trusting it builds it
            cert_registry=SimpleCertificateStore.from_certs(load_certs_from_pemder([str(key_dir / CA_FILE)])),
        )
    except (OSError, ValueError, TypeError) as exc:
        raise PdfSigningError(f"cannot load the document-signing files in {key_dir}: {exc}") from exc


def sign_pdf(
    pdf: bytes,
    key_dir: Path,
    *,
    reason: str = "Issued by the bureau; any change after signing breaks this signature",
    location: str = "",
    tsa_url: str | None = None,
) -> bytes:
    """The PDF with one invisible signature (field BureauSeal) over all of it, appended as an
    incremental update: the rendered bytes stay as they were, and readers show what was signed."""
    signer = _signer(key_dir)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
        embed_validation_info=False,
    )
    timestamper = HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS) if tsa_url else None
    # Room for the signature container: twice its certificates (an even number, as pyHanko wants) and
    # ample for the signature and signed attributes. Left to itself pyHanko makes a dummy signature to
    # measure, which doubles the time; a time-stamp token's size is the TSA's, so then pyHanko measures.
    certs = [signer.signing_cert, *signer.cert_registry]
    reserve = None if timestamper else 4096 + 2 * sum(len(cert.dump()) for cert in certs)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.sign_pdf(
            writer, meta, signer=signer, timestamper=timestamper, bytes_reserved=reserve, output=io.BytesIO()
        )
    except Exception as exc:  # pyHanko's own errors, a malformed PDF, an unreachable TSA
        raise PdfSigningError(f"signing the PDF failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()
