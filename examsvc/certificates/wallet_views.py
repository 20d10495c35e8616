"""The wallet export: a certificate as a W3C Verifiable Credential (wallet.py), and the Bitstring
Status Lists its status entries name. Public, like the verification page: the holder has the QR."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app
from sqlalchemy import select

from ..core.crypto.jws import sign
from ..core.db import db_session, utcnow
from ..core.signing_keys import CERTIFICATE, STATUS, current_signer
from ..orgs.service import bureau_name
from ..web.access import public
from . import status, wallet
from .claims import facts
from .models import Certificate
from .public_views import CORS_HEADERS, allowed, too_many_lookups, verdict_of

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
    kid, key = current_signer(cfg.resolved_key_dir(), CERTIFICATE)
    body = sign(document, key, kid, wallet.TYP, wallet.CTY)
    disposition = f"attachment; filename={cert.number}.vc.jwt"
    return Response(body, mimetype=wallet.MEDIA_TYPE, headers={"Content-Disposition": disposition})


@bp.route("/s/vc/<purpose>")
@public
def status_list_credential(purpose: str):  # type: ignore[no-untyped-def]
    if purpose not in wallet.PURPOSES:
        abort(404)
    if not allowed():  # signed per request (it is small work, but not free): counted as a look-up
        return too_many_lookups()
    cfg, s = _config(), db_session()
    column = Certificate.revoked_at if purpose == "revocation" else Certificate.suspended_at
    indexes = s.scalars(select(Certificate.status_index).where(column.is_not(None)))
    now = utcnow().replace(microsecond=0)
    document = wallet.status_list_credential(
        base_url=cfg.base_url,
        bureau=bureau_name(s),
        purpose=purpose,
        set_indexes=indexes,
        now=now,
        until=now + status.LIFETIME,
    )
    kid, key = current_signer(cfg.resolved_key_dir(), STATUS)
    response = Response(sign(document, key, kid, wallet.TYP, wallet.CTY), mimetype=wallet.MEDIA_TYPE)
    response.headers["Cache-Control"] = f"public, max-age={cfg.status_list_ttl_seconds}"
    response.expires = now + timedelta(seconds=cfg.status_list_ttl_seconds)
    return response
