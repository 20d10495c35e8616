"""A class's certificates as a background job: one signed PDF of them all, or a ZIP of one signed
PDF each (rendered on every core). Only an exam officer asks for them or downloads them."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.service import active_user
from ..classes.models import TrainingClass
from ..classes.photos import data_uri, jpeg_of
from ..core.keyring import Keyring
from ..core.msgid import N_, RuleError
from ..exams.models import Attempt
from ..jobs.kinds import Context, Kind, Output, Result, register
from ..orgs.service import bureau_name
from .models import Certificate
from .pdf import page_facts, pdf_of_pages, zip_of_pages

FORMATS = {"pdf": "application/pdf", "zip": "application/zip"}


def _class_with_certificates(session: Session, params: dict) -> tuple[TrainingClass, list[Certificate]]:
    class_id = params.get("class")
    found = session.get(TrainingClass, class_id) if isinstance(class_id, int) else None
    if found is None or params.get("format") not in FORMATS:
        raise RuleError(N_("Class not found."))
    query = select(Certificate).where(Certificate.class_id == found.id).order_by(Certificate.id)
    certs = list(session.scalars(query))
    if not certs:
        raise RuleError(N_("This class has no certificates yet: they are issued when results are published."))
    return found, certs


def photo_of(session: Session, keyring: Keyring, cert: Certificate) -> bytes | None:
    """The photo taken at the sitting the holder passed, else the roster's: never one taken at
    another sitting (a proctor may have photographed someone whose identity was then refused)."""
    passed_at = session.scalar(select(Attempt.sitting_id).where(Attempt.id == cert.attempt_id))
    taken = jpeg_of(session, keyring, cert.enrollment_id, passed_at)
    return taken if taken is not None else jpeg_of(session, keyring, cert.enrollment_id, None)


def _officer_may_have(session: Session, owner_id: int, params: dict, now: datetime) -> None:
    if active_user(session, owner_id, "officer") is None:
        raise RuleError(N_("Only an exam officer may print certificates."))
    _class_with_certificates(session, params)


def _run(ctx: Context) -> Result:
    cfg = current_app.config["EXAMSVC"]
    with ctx.session() as s:  # the facts read, then no transaction stays open while rendering
        found, certs = _class_with_certificates(s, ctx.params)
        bureau = bureau_name(s)
        keyring = current_app.extensions["examsvc.keys"]
        pages = [page_facts(c, bureau, cfg.base_url, photo=data_uri(photo_of(s, keyring, c))) for c in certs]
        name = f"certificates-{found.code}.{ctx.params['format']}"
    key_dir, tsa = cfg.resolved_key_dir(), cfg.doc_tsa_url or None
    ctx.progress(0, len(pages))
    if ctx.params["format"] == "pdf":
        data = pdf_of_pages(pages, bureau, key_dir, tsa)
    else:
        data = zip_of_pages(pages, bureau, key_dir, tsa, cfg.jobs_render_processes, ctx.progress)
    ctx.progress(len(pages), len(pages))
    return Result(Output(name, FORMATS[ctx.params["format"]], data))


CLASS_CERTIFICATES = register(
    Kind(
        name="certificates.class",
        run=_run,
        check=_officer_may_have,
        label=N_("A class's certificates"),
    )
)
