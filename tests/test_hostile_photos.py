"""Hostile probes of candidates' photos: hostile JSON and images, CSRF-less posts, other
institutions and proctors guessing ids, sealed photos moved between rows, logs and the public
certificate. Each test asserts the safe behaviour.

The probes of the photos a retake's proctors, or those of a sitting a candidate was moved from, may
see or take are in tests/test_hostile_tickets.py; the probes marked xfail(strict) are in
tests/test_hostile_races.py.
"""

from __future__ import annotations

import io
import logging
import random
import re
import struct
import time
from datetime import timedelta

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.classes.models import CandidatePhoto, Enrollment
from examsvc.classes.photos import MAX_SIDE, MIN_SIDE, normalised_jpeg
from examsvc.core.crypto.aead import DecryptionError
from examsvc.core.db import db_session
from examsvc.core.msgid import RuleError
from tests.class_helpers import person
from tests.conftest import new_user_client, schedule_sitting
from tests.helpers import Client, job_file
from tests.hostile_photo_helpers import (
    _b64,
    _class_of_other_institution,
    _image,
    _jpeg,
    _officer_tickets,
    _pdf_images,
    _photo_post,
    _photos,
    _png,
    _school_tickets,
    _sof_size,
    _upload,
)
from tests.paper_helpers import approved_class
from tests.tablet_helpers import base, call, close_sitting, enrollments, enter

# ---------------------------------------------------------------- photos: parsing


def test_every_hostile_body_is_a_clear_refusal_and_stores_nothing(app, world, sitting, tablet) -> None:  # type: ignore[no-untyped-def]
    first = enrollments(app, sitting)[0]
    real = _jpeg(600, 800)
    bodies = [
        [],
        42,
        None,
        "photo",
        {"photo": ["abc"]},
        {"photo": 12345},
        {"photo": {"photo": _b64(real)}},
        {"photo": True},
        {"photo": ""},
        {"photo": "A" * 5_000_000},  # longer than any photo's text: refused unread
        {"photo": _b64(_image("PNG"), "data:image/png;base64,")},
        {
            "photo": _b64(
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "data:image/svg+xml;base64,"
            )
        },
        {"photo": "data:text/html,<script>alert(1)</script>"},
        {"photo": _b64(real)[:-7]},  # base 64 cut mid-quantum
        {"photo": "\u0000" + _b64(real)},
        b"[" * 50_000,  # nesting past any parser's depth
        b'{"photo": "' + b"\xff\xfe" * 10 + b'"}',  # not UTF-8
        b"photo=abc",
    ]
    for body in bodies:
        answer = _photo_post(tablet, sitting, first, body)
        assert answer.status_code == 400, (repr(body)[:60], answer.status_code)
        assert answer.get_json()["ok"] is False and answer.get_json()["message"]
    images = [
        _b64(b"GIF89a" + _image("GIF")[6:]),
        _b64(_image("GIF")),
        _b64(_image("WEBP")),
        _b64(_image("BMP")),
        _b64(_image("TIFF")),
        _b64(b"<svg xmlns='http://www.w3.org/2000/svg' width='300' height='400'/>"),
        _b64(b"<html><script>alert(1)</script></html>"),
        _b64(real[: len(real) // 2]),  # truncated JPEG
        _b64(real[:300]),  # its header only
        _b64(_sof_size(real, 65535, 65535)),  # 4 billion pixels claimed
        _b64(_sof_size(real, 0, 0)),
        _b64(_png(2**31 - 1, 2**31 - 1, 8, 2, b"\x00" * 10)),
        _b64(_png(4000, 4000, 8, 2, b"\x00" * 10)),  # the rows are missing
        _b64(_image("PNG", 5000, 5000, "1")),  # 25 million pixels, 3 kB
        _b64(_image("JPEG", 60, 80)),
        _b64(b"\xff\xd8\xff" + b"\x00" * 100),
    ]
    for text in images:
        answer = _photo_post(tablet, sitting, first, {"photo": text})
        assert answer.status_code == 422, (text[:40], answer.status_code)
        assert answer.get_json()["ok"] is False and answer.get_json()["message"]
    assert _photos(app) == []


def test_a_photo_post_needs_the_csrf_token_and_the_proctors_role(
    app, world, sitting, tablet, school, officer
) -> None:  # type: ignore[no-untyped-def]
    first = enrollments(app, sitting)[0]
    path = f"{base(sitting, first)}/photo"
    body = {"photo": _b64(_jpeg())}
    assert tablet.raw.post(path, json=body).status_code == 400
    assert tablet.raw.post(path, json=body, headers={"X-CSRFToken": "forged"}).status_code == 400
    for other in (school, officer):
        answer = other.raw.post(path, json=body, headers={"X-CSRFToken": other.token("/")})
        assert answer.status_code in {403, 404}
    assert _photos(app) == []


def test_phone_and_scanner_images_are_kept_faithfully() -> None:
    """A camera JPEG with a multi-picture extension (MPO), CMYK and greyscale JPEGs, 16-bit and
    transparent PNGs, an animated PNG and an EXIF orientation: each stored as an upright RGB JPEG,
    one image, no EXIF, its tones kept (not clipped to white)."""
    red, green = Image.new("RGB", (300, 400), (200, 30, 30)), Image.new("RGB", (300, 400), (30, 200, 30))
    mpo = io.BytesIO()
    red.save(mpo, format="MPO", save_all=True, append_images=[green])
    out = Image.open(io.BytesIO(normalised_jpeg(mpo.getvalue())))
    assert out.format == "JPEG" and getattr(out, "n_frames", 1) == 1 and out.getpixel((10, 10))[0] > 150

    grey16 = b"".join(b"\x00" + struct.pack(">H", 0x8000) * 200 for _ in range(300))  # mid grey
    out = Image.open(io.BytesIO(normalised_jpeg(_png(200, 300, 16, 0, grey16))))
    assert out.mode == "RGB" and 100 < out.getpixel((10, 10))[0] < 160  # not clipped to white
    rgb16 = b"".join(b"\x00" + struct.pack(">HHH", 0xC800, 0x1E00, 0x1E00) * 200 for _ in range(300))
    out = Image.open(io.BytesIO(normalised_jpeg(_png(200, 300, 16, 2, rgb16))))
    assert out.getpixel((10, 10))[0] > 150 and out.getpixel((10, 10))[1] < 80

    cmyk = normalised_jpeg(_image("JPEG", 300, 400, "CMYK"))
    grey = normalised_jpeg(_image("PNG", 300, 400, "L"))
    rgba = normalised_jpeg(_image("PNG", 300, 400, "RGBA"))
    animated = io.BytesIO()
    red.save(animated, format="PNG", save_all=True, append_images=[green])
    for jpeg in (cmyk, grey, rgba, normalised_jpeg(animated.getvalue())):
        image = Image.open(io.BytesIO(jpeg))
        assert image.format == "JPEG" and image.mode == "RGB" and not image.getexif()

    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to show: a phone held upright
    turned = io.BytesIO()
    Image.new("RGB", (400, 300)).save(turned, format="JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(normalised_jpeg(turned.getvalue()))).size == (300, 400)


def test_nothing_but_the_pixels_is_kept() -> None:
    """What a camera or an editor writes beside the picture (a JPEG comment, XMP with a location,
    EXIF, an ICC profile, PNG text) is not stored, nor printed on tickets and certificates."""
    exif = Image.Exif()
    exif[0x010F] = "SECRET-MAKER"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description SECRET-XMP="30,15N"/>'
    xmp += b"</rdf:RDF></x:xmpmeta>"
    sent = io.BytesIO()
    Image.new("RGB", (300, 400), (10, 20, 30)).save(
        sent,
        format="JPEG",
        comment=b"SECRET-COMMENT serial 4501",
        icc_profile=b"SECRET-ICC",
        xmp=xmp,
        exif=exif.tobytes(),
    )
    assert all(s in sent.getvalue() for s in (b"SECRET-COMMENT", b"SECRET-XMP", b"SECRET-MAKER"))
    kept = normalised_jpeg(sent.getvalue())
    assert b"SECRET" not in kept
    assert set(Image.open(io.BytesIO(kept)).info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density"}
    text = PngInfo()
    text.add_text("Comment", "SECRET-PNG")
    png = io.BytesIO()
    Image.new("RGB", (300, 400)).save(png, format="PNG", pnginfo=text)
    assert b"SECRET" not in normalised_jpeg(png.getvalue())


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow says what it skipped in the corrupt EXIF
def test_corrupt_images_are_refused_as_photos_never_a_server_error() -> None:
    """Bytes flipped in a JPEG's EXIF (an orientation to apply) and in a PNG's chunks: Pillow's
    decoders answer with SyntaxError, TypeError or struct.error, not only OSError. Each must be a
    RuleError (a clear 422), never an exception the views let through as a 500."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Maker"
    exif[0x8825] = {2: (30.0, 15.0, 0.0)}
    jpeg, png = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (200, 260), (1, 2, 3)).save(jpeg, format="JPEG", exif=exif.tobytes())
    Image.new("RGB", (200, 260), (1, 2, 3)).save(png, format="PNG")
    rnd = random.Random(20261204)  # the same inputs every run
    escaped = []
    for seed, first, last in ((jpeg.getvalue(), 2, 200), (png.getvalue(), 8, len(png.getvalue()))):
        for _ in range(3000):
            data = bytearray(seed)
            for _ in range(rnd.randint(1, 6)):
                data[rnd.randrange(first, min(last, len(data)))] = rnd.randrange(256)
            try:
                normalised_jpeg(bytes(data))
            except RuleError:
                pass
            except Exception as exc:  # what escapes is the finding
                escaped.append(type(exc).__name__)
    assert escaped == []


def test_a_jpeg_of_thousands_of_scans_is_refused_before_it_is_decoded() -> None:
    """Bytes and pixels are bounded, and so must be the decoder's work: a progressive JPEG is decoded
    scan by scan over the whole picture, so one 40-byte scan repeated 2,000 times (180 kB) costs
    half a minute of CPU (a 3 MB one, a quarter of an hour), for any proctor or institution."""
    sent = io.BytesIO()
    Image.new("L", (6000, 4000), 128).save(sent, format="JPEG", progressive=True, quality=50)
    data = sent.getvalue()
    starts = [m.start() for m in re.finditer(rb"\xff\xda", data)]
    scans = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data) - 2], strict=True)]
    smallest = min(scans[1:], key=len)
    crafted = data[:-2] + smallest * 2000 + b"\xff\xd9"
    began = time.monotonic()
    with pytest.raises(RuleError, match="JPEG or PNG"):
        normalised_jpeg(crafted)
    assert time.monotonic() - began < 2
    normal = io.BytesIO()
    Image.new("RGB", (1200, 1600), (90, 60, 30)).save(normal, format="JPEG", progressive=True)
    assert Image.open(io.BytesIO(normalised_jpeg(normal.getvalue()))).size == (360, 480)


def test_what_is_stored_is_never_smaller_than_a_face_needs() -> None:
    """A panorama's strip passes the "at least 120 pixels a side" rule as sent, then would be
    stored 43 pixels high once made small: refused, as too small, instead."""
    for width, height in ((20000, 1200), (200, 4000)):
        with pytest.raises(RuleError, match="too small"):
            normalised_jpeg(_image("PNG", width, height, "L"))
    out = Image.open(io.BytesIO(normalised_jpeg(_image("PNG", 1200, 800, "L"))))
    assert min(out.size) >= MIN_SIDE and max(out.size) <= MAX_SIDE * 3 // 2


# ---------------------------------------------------------------- photos: who may


def test_no_proctor_photographs_or_sees_a_candidate_off_the_roster(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    """A trainee of the class who may not sit (training hours not completed) is not on the sitting's
    roster: its proctors neither see the institution's photo of them nor take one."""
    class_id = approved_class(app, world)
    short_of_hours = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    with app.app_context():
        db_session().get(Enrollment, short_of_hours).hours_completed = 0
        db_session().commit()
    school = Client(app)
    world.login(school, "school1")
    assert _upload(school, class_id, short_of_hours, _jpeg()).status_code == 302
    assert len(_photos(app)) == 1
    sitting = schedule_sitting(app, officer, class_id, "first")
    page = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert f'id="candidate-{short_of_hours}"' not in page
    assert tablet.get(f"{base(sitting, short_of_hours)}/photo/roster.jpg").status_code == 404
    taken = call(tablet, f"{base(sitting, short_of_hours)}/photo", {"photo": _b64(_jpeg())})
    assert taken.status_code == 404 and len(_photos(app)) == 1


def test_guessed_ids_reach_nothing(app, world, officer, tablet, school) -> None:  # type: ignore[no-untyped-def]
    mine = approved_class(app, world, "甲班")
    theirs = _class_of_other_institution(app, world, "乙班", first_person=10)
    my_first = enrollments(app, type("S", (), {"class_id": mine})())[0]
    their_first = enrollments(app, type("S", (), {"class_id": theirs})())[0]
    other_school = new_user_client(app, world, "institution", "school2", world.other_institution)
    assert _upload(other_school, theirs, their_first, _jpeg(colour=(9, 9, 9))).status_code == 302
    before = _photos(app)
    # My class in the path, their trainee's enrollment: no such row of my class.
    assert _upload(school, mine, their_first, _jpeg()).status_code == 404
    assert school.get(f"/institution/classes/{mine}/enrollments/{their_first}/photo.jpg").status_code == 404
    assert school.get(f"/institution/classes/{theirs}/enrollments/{their_first}/photo.jpg").status_code == 404
    for missing in (0, 10**9, 2**63 - 1, 10**30):
        assert school.get(f"/institution/classes/{mine}/enrollments/{missing}/photo.jpg").status_code == 404
        assert _school_tickets(school, missing).status_code == 404
        assert officer.post(f"/officer/sittings/{missing}/tickets.pdf", page="/officer/").status_code == 404
    assert (
        school.post(
            f"/institution/classes/{mine}/tickets/third.pdf", page="/institution/classes/"
        ).status_code
        == 404
    )
    assert _photos(app) == before
    sitting = schedule_sitting(app, officer, mine, "first")
    stranger = new_user_client(app, world, "proctor", "proctor9", world.county)
    for which in ("roster", "check_in"):
        assert stranger.get(f"{base(sitting, my_first)}/photo/{which}.jpg").status_code == 404
        assert tablet.get(f"{base(sitting, their_first)}/photo/{which}.jpg").status_code == 404
    assert tablet.get(f"{base(sitting, my_first)}/photo/other.jpg").status_code == 404


def test_a_roster_photo_upload_needs_csrf_and_refuses_what_is_not_a_photo(app, world, school) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    first = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    url = f"/institution/classes/{class_id}/enrollments/{first}/photo"
    no_token = school.raw.post(
        url, data={"photo": (io.BytesIO(_jpeg()), "me.jpg")}, content_type="multipart/form-data"
    )
    assert no_token.status_code == 400
    for data in (b"", b"x" * (3 * 1024 * 1024 + 1), _image("GIF"), _sof_size(_jpeg(), 65535, 65535)):
        answer = _upload(school, class_id, first, data)
        assert answer.status_code == 302
    assert _photos(app) == []


# ---------------------------------------------------------------- photos: sealed rows


def test_a_sealed_photo_copied_onto_another_row_does_not_open(app, world, officer, tablet, school) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    first, second, _ = enrollments(app, type("S", (), {"class_id": class_id})())
    assert _upload(school, class_id, first, _jpeg(colour=(250, 0, 0))).status_code == 302
    assert _upload(school, class_id, second, _jpeg(colour=(0, 0, 250))).status_code == 302
    own = school.get(f"/institution/classes/{class_id}/enrollments/{first}/photo.jpg").data
    with app.app_context():
        s = db_session()
        rows = {p.enrollment_id: p for p in s.scalars(select(CandidatePhoto))}
        rows[second].sealed = rows[first].sealed
        s.commit()
    try:
        shown = school.get(f"/institution/classes/{class_id}/enrollments/{second}/photo.jpg")
        assert shown.status_code != 200 and own not in shown.data
    except DecryptionError:
        pass  # refused: the testing app lets the error through instead of answering 500
    sitting = schedule_sitting(app, officer, class_id, "first")
    assert call(tablet, f"{base(sitting, first)}/photo", {"photo": _b64(_jpeg())}).status_code == 200
    with app.app_context():
        s = db_session()
        taken = s.scalar(select(CandidatePhoto).where(CandidatePhoto.sitting_id == sitting.id))
        roster = s.scalar(
            select(CandidatePhoto).where(
                CandidatePhoto.enrollment_id == first, CandidatePhoto.sitting_id.is_(None)
            )
        )
        roster.sealed = taken.sealed  # the check-in photo passed off as the institution's
        s.commit()
    try:
        shown = tablet.get(f"{base(sitting, first)}/photo/roster.jpg")
        assert shown.status_code != 200
    except DecryptionError:
        pass


# ---------------------------------------------------------------- logs and the public certificate


def test_nothing_logs_a_name_or_an_id_number(app, world, officer, tablet, school, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    class_id = approved_class(app, world)
    first = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    _upload(school, class_id, first, _jpeg())
    _upload(school, class_id, first, _sof_size(_jpeg(), 65535, 65535))
    sitting = schedule_sitting(app, officer, class_id, "first", started=False)
    assert _school_tickets(school, class_id).status_code == 200
    assert _officer_tickets(officer, sitting).status_code == 200
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    call(tablet, f"{base(sitting, first)}/photo", {"photo": _b64(_jpeg())})
    call(tablet, f"{base(sitting, first)}/photo", {"photo": _b64(b"not a photo")})
    tablet.get(f"/proctor/sittings/{sitting.id}")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for n in (1, 2, 3):
        name, _, number, phone, *_ = person(n)
        assert name not in logged and number not in logged and phone not in logged


def test_the_public_certificate_prints_no_photo(app, world, officer, tablet, sitting, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second, third = enrollments(app, sitting)
    assert call(tablet, f"{base(sitting, first)}/photo", {"photo": _b64(_jpeg())}).status_code == 200
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, second, 2, right=True)
    enter(app, tablet, sitting, third, 3, right=False)
    close_sitting(app, tablet, officer, sitting)
    with app.app_context():
        token = db_session().scalar(select(Certificate.token).where(Certificate.enrollment_id == first))
    public = Client(app).get(f"/v/{token}/certificate.pdf")
    assert public.status_code == 200 and public.mimetype == "application/pdf"
    images = _pdf_images(public.data, tmp_path)
    assert images and all(w == h for w, h in images)  # the QR only: square
    bureau = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/pdf", "/").data
    assert (240, 320) in _pdf_images(bureau, tmp_path)  # the bureau's print has it
