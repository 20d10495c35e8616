"""Admission tickets as a PDF: two to an A4 page, each with the roster photo, the seat and the QR
that the proctor's tablet scans at check-in (it holds the ticket number only)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template
from sqlalchemy.orm import Session

from ..classes import photos
from ..core.db import BEIJING
from ..core.keyring import Keyring
from ..core.pdf import render_pdf
from ..core.qr import qr_data_uri
from ..web.labels import code_label
from .models import AdmissionTicket
from .tickets import qr_text

KIND_WORDS = {"first": "首次考试", "retake": "补考"}


def ticket_facts(session: Session, keyring: Keyring, ticket: AdmissionTicket, bureau: str) -> dict:
    enrollment, sitting = ticket.enrollment, ticket.sitting
    training_class = enrollment.training_class
    qr, qr_px = qr_data_uri(qr_text(ticket.number))
    starts = sitting.starts_at.astimezone(BEIJING)
    return {
        "bureau": bureau,
        "number": ticket.number,
        "name": enrollment.trainee.name,
        "id_masked": enrollment.trainee.id_masked,
        "class_code": training_class.code,
        "class_title": training_class.title,
        "institution": training_class.institution.name,
        "industry": code_label("industry", training_class.industry),
        "category": code_label("category", training_class.category),
        "kind": KIND_WORDS.get(sitting.kind, sitting.kind),
        "date": starts.strftime("%Y年%m月%d日"),
        "time": f"{starts:%H:%M}–{sitting.times.ends_at.astimezone(BEIJING):%H:%M}",
        "duration": sitting.duration_minutes,
        "venue": sitting.venue,
        "seat": ticket.seat_no,
        "photo": photos.data_uri(photos.jpeg_of(session, keyring, enrollment.id, None)),
        "qr": qr,
        "qr_px": qr_px,
    }


def tickets_pdf(session: Session, keyring: Keyring, tickets: Sequence[AdmissionTicket], bureau: str) -> bytes:
    pages = [ticket_facts(session, keyring, ticket, bureau) for ticket in tickets]
    return render_pdf(render_template("pdf/ticket.html", tickets=pages))
