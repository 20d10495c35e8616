"""The wallet export: a certificate as a W3C Verifiable Credential (wallet.py), and the Bitstring
Status Lists its status entries name. Public, like the verification page: the holder has the QR."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from ..core.crypto.jws import sign
from ..core.db import db_session
from ..core.signing_keys import CERTIFICATE, STATUS, current_signer, signer_of
from ..orgs.service import bureau_name
from ..web.access import public
from . import wallet
from .claims import facts
from .models import Certificate
from .public_views import CORS_HEADERS, allowed, current_status_list, too_many_lookups, verdict_of

bp = Blueprint("wallet", __name__)


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


@bp.after_request
def _readable_anywhere(response):  # type: ignore[no-untyped-def]
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"  # they name people
    response.headers.update(CORS_HEADERS)  # a wallet or verifier in the browser reads them
    return response


@bp.route("/v/<token>/credential.jwt")
@public
def credential(token: str):  # type: ignore[no-untyped-def]
    """Only while the certificate is valid, as the e-certificate PDF."""
    if not allowed():
        return too_many_lookups()
    verdict = verdict_of(token)
    cert = verdict.certificate
    if verdict.status != "valid" or cert is None:
        abort(404)
    cfg, s = _config(), db_session()
    subject = {
        k: v for k, v in facts(verdict.claims).items() if v is not None and k not in ("number", "issuer")
    }
    subject |= {"type": "QualifiedPerson", "hours": cert.hours, "creditYear": cert.credit_year}
    document = wallet.credential(
        base_url=cfg.base_url,
        bureau=bureau_name(s),
        number=cert.number,
        issued_at=cert.issued_at,
        expires_at=cert.expires_at,
        subject=subject,
        status_index=cert.status_index,
    )
    # The certificate's own key: the JWKS keeps it while the certificate is unexpired, and so the
    # credential (valid as long) keeps verifying across rotations.
    key = signer_of(cfg.resolved_key_dir(), cert.kid, CERTIFICATE)
    body = sign(document, key, cert.kid, wallet.TYP, wallet.CTY)
    disposition = f"attachment; filename={cert.number}.vc.jwt"
    return Response(body, mimetype=wallet.MEDIA_TYPE, headers={"Content-Disposition": disposition})


# Per process: (the status list token it was made from, purpose) -> the signed credential. The
# lists change only when a status does (status.py marks it), so each is signed once per change.
_SIGNED: dict[tuple[str, str], str] = {}


@bp.route("/s/vc/<purpose>")
@public
def status_list_credential(purpose: str):  # type: ignore[no-untyped-def]
    if purpose not in wallet.PURPOSES:
        abort(404)
    cfg, s, current = _config(), db_session(), current_status_list()
    body = _SIGNED.get((current.token, purpose))
    if body is None:
        column = Certificate.revoked_at if purpose == "revocation" else Certificate.suspended_at
        document = wallet.status_list_credential(
            base_url=cfg.base_url,
            bureau=bureau_name(s),
            purpose=purpose,
            set_indexes=s.scalars(select(Certificate.status_index).where(column.is_not(None))),
            now=current.issued_at,
            until=current.expires_at,
        )
        kid, key = current_signer(cfg.resolved_key_dir(), STATUS)
        if len(_SIGNED) > 8:  # only the newest matter
            _SIGNED.clear()
        body = _SIGNED[(current.token, purpose)] = sign(document, key, kid, wallet.TYP, wallet.CTY)
    response = Response(body, mimetype=wallet.MEDIA_TYPE)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={cfg.status_list_ttl_seconds}"
    return response.make_conditional(request)
