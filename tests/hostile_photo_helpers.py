"""Makers and callers shared by the hostile probes of admission tickets and candidates' photos
(tests/test_hostile_photos.py, tests/test_hostile_tickets.py, tests/test_hostile_races.py), and
the hostile image makers and callers of tests/test_hostile_photos.py, kept here to keep it short."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import zlib
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from examsvc.classes.models import CandidatePhoto, TrainingClass
from examsvc.core.db import db_session, utcnow
from examsvc.exams.models import Sitting
from tests.paper_helpers import approved_class
from tests.tablet_helpers import base


def _image(fmt: str, width: int = 240, height: int = 320, mode: str = "RGB", **save) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format=fmt, **save)
    return out.getvalue()


def _jpeg(width: int = 240, height: int = 320, colour=(180, 120, 90)) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written by hand (Pillow writes no 16-bit colour, nor a lying header)."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _sof_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header claiming another size (the data stays as it was)."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


def _b64(data: bytes, prefix: str = "data:image/jpeg;base64,") -> str:
    return prefix + base64.b64encode(data).decode()


def _photo_post(client, sitting, enrollment_id: int, body):  # type: ignore[no-untyped-def]
    """The tablet's JSON call, any body shape (call() needs a dict)."""
    token = client.token("/proctor")
    return client.raw.post(
        f"{base(sitting, enrollment_id)}/photo",
        data=body if isinstance(body, bytes) else json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def _photos(app) -> list[tuple[int, int | None, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db_session().execute(
            select(CandidatePhoto.enrollment_id, CandidatePhoto.sitting_id, CandidatePhoto.digest).order_by(
                CandidatePhoto.id
            )
        )
        return [tuple(r) for r in rows]


def _pdf_images(pdf: bytes, tmp_path) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(width, height) of every image in the PDF."""
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    return [(int(r.split()[3]), int(r.split()[4])) for r in listed.stdout.splitlines()[2:]]


def _officer_tickets(officer, sitting):  # type: ignore[no-untyped-def]
    return officer.post(
        f"/officer/sittings/{sitting.id}/tickets.pdf", page=f"/officer/classes/{sitting.class_id}"
    )


def _school_tickets(school, class_id: int, kind: str = "first"):  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{class_id}"
    return school.post(f"{page}/tickets/{kind}.pdf", page=page)


def _upload(school, class_id: int, enrollment_id: int, data: bytes, name: str = "me.jpg"):  # type: ignore[no-untyped-def]
    page = f"/institution/classes/{class_id}"
    return school.post(
        f"{page}/enrollments/{enrollment_id}/photo",
        {"photo": (io.BytesIO(data), name)},
        page=page,
        content_type="multipart/form-data",
    )


def _class_of_other_institution(app, world, title: str, first_person: int) -> int:  # type: ignore[no-untyped-def]
    """An approved class of the same syllabus, run by the other institution."""
    class_id = approved_class(app, world, title, people=2, first_person=first_person)
    with app.app_context():
        db_session().get(TrainingClass, class_id).institution_id = world.other_institution
        db_session().commit()
    return class_id


def _into_the_past(app, sitting) -> None:  # type: ignore[no-untyped-def]
    """The first sitting took place yesterday, so that its proctors are free for the retake today."""
    with app.app_context():
        s = db_session()
        moved = s.get(Sitting, sitting.id)
        moved.starts_at = utcnow() - timedelta(days=1)
        moved.release_at = moved.starts_at - timedelta(hours=1)
        s.commit()
