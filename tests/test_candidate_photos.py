"""Photos: the institution's for the roster, the proctor's at check-in; sealed, EXIF-free, shown only
to whom they concern, printed on the certificate, and gone with the person's data."""

from __future__ import annotations

import base64
import io
import subprocess
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.classes.models import CandidatePhoto, Enrollment
from examsvc.classes.photos import normalised_jpeg
from examsvc.core.db import db_session
from examsvc.core.msgid import RuleError
from examsvc.ops.retention import anonymise
from tests.conftest import new_user_client, schedule_sitting
from tests.helpers import job_file
from tests.paper_helpers import approved_class
from tests.tablet_helpers import base, call, close_sitting, enrollments, enter


def jpeg(width: int = 240, height: int = 320, colour=(180, 120, 90), exif: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    image = Image.new("RGB", (width, height), colour)
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (30.0, 15.0, 0.0)}  # GPS latitude
        extra["exif"] = data.tobytes()
    image.save(out, format="JPEG", **extra)
    return out.getvalue()


def photo_call(client, sitting, enrollment_id, data: bytes):  # type: ignore[no-untyped-def]
    body = {"photo": "data:image/jpeg;base64," + base64.b64encode(data).decode(), "version": 0}
    return call(client, f"{base(sitting, enrollment_id)}/photo", body)


def stored(app) -> list[CandidatePhoto]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db_session().scalars(select(CandidatePhoto).order_by(CandidatePhoto.id)).all()
        for row in rows:
            db_session().expunge(row)
        return list(rows)


def test_a_photo_is_checked_made_small_and_stripped() -> None:
    out = Image.open(io.BytesIO(normalised_jpeg(jpeg(1200, 1600, exif=True))))
    assert out.format == "JPEG" and out.size == (360, 480) and not out.getexif()
    for bad, rule in (
        (b"not a picture", "JPEG or PNG"),
        (jpeg(60, 80), "too small"),
        (b"\xff" * (3 * 1024 * 1024 + 1), "at most"),
    ):
        with pytest.raises(RuleError, match=rule):
            normalised_jpeg(bad)
    gif = io.BytesIO()
    Image.new("RGB", (200, 200)).save(gif, format="GIF")
    with pytest.raises(RuleError, match="JPEG or PNG"):
        normalised_jpeg(gif.getvalue())
    bomb = io.BytesIO()  # 25 million pixels that compress to almost nothing
    Image.new("1", (5000, 5000)).save(bomb, format="PNG")
    with pytest.raises(RuleError, match="too many pixels"):
        normalised_jpeg(bomb.getvalue())


def test_proctor_takes_a_photo_while_check_in_is_open(app, world, officer, tablet) -> None:  # type: ignore[no-untyped-def]
    sitting = schedule_sitting(app, officer, approved_class(app, world), "first", started=False)
    first = enrollments(app, sitting)[0]
    early = photo_call(tablet, sitting, first, jpeg())
    assert early.status_code == 409 and "尚未开始" in early.get_json()["message"] and not stored(app)
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))
    taken = photo_call(tablet, sitting, first, jpeg(exif=True))
    assert taken.status_code == 200 and taken.get_json()["ok"]
    [row] = stored(app)
    assert row.sitting_id == sitting.id and row.enrollment_id == first
    assert b"JFIF" not in row.sealed and b"PhoneMaker" not in row.sealed  # sealed, not plain JPEG
    shown = tablet.get(f"{base(sitting, first)}/photo/check_in.jpg")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store" and b"PhoneMaker" not in shown.data
    assert tablet.get(f"{base(sitting, first)}/photo/roster.jpg").status_code == 404
    again = photo_call(tablet, sitting, first, jpeg(colour=(10, 20, 30)))
    assert again.status_code == 200 and len(stored(app)) == 1  # replaced, not added
    bad = photo_call(tablet, sitting, first, b"GIF89a not a photo")
    assert bad.status_code == 422 and "JPEG" in bad.get_json()["message"]
    garbled = call(tablet, f"{base(sitting, first)}/photo", {"photo": "%%%not base 64%%%"})
    assert garbled.status_code == 400
    huge = call(tablet, f"{base(sitting, first)}/photo", {"photo": "A" * (5 * 1024 * 1024)})
    assert huge.status_code == 400 and len(stored(app)) == 1


def test_only_the_sittings_proctors_see_or_take_photos(app, world, officer, tablet, school) -> None:  # type: ignore[no-untyped-def]
    sitting = schedule_sitting(app, officer, approved_class(app, world), "first")
    first = enrollments(app, sitting)[0]
    assert photo_call(tablet, sitting, first, jpeg()).status_code == 200
    stranger = new_user_client(app, world, "proctor", "proctor9", world.county)
    assert photo_call(stranger, sitting, first, jpeg()).status_code == 404
    assert stranger.get(f"{base(sitting, first)}/photo/check_in.jpg").status_code == 404
    for client in (officer, school):
        assert client.get(f"{base(sitting, first)}/photo/check_in.jpg").status_code == 403
    other_class = approved_class(app, world, "另一个班", people=2, first_person=20)
    with app.app_context():
        outsider = db_session().scalar(select(Enrollment.id).where(Enrollment.class_id == other_class))
    assert photo_call(tablet, sitting, outsider, jpeg()).status_code == 404


def test_the_institution_sends_roster_photos_for_its_own_class(app, world, officer, school, tablet) -> None:  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world)
    page = f"/institution/classes/{class_id}"
    first = enrollments(app, type("S", (), {"class_id": class_id})())[0]
    url = f"{page}/enrollments/{first}/photo"
    sent = school.post(
        url, {"photo": (io.BytesIO(jpeg()), "me.jpg")}, page=page, content_type="multipart/form-data"
    )
    assert sent.status_code == 302 and len(stored(app)) == 1 and stored(app)[0].sitting_id is None
    assert school.get(f"{url}.jpg").status_code == 200
    refused = school.post(
        url, {"photo": (io.BytesIO(b"%PDF-1.4"), "x.pdf")}, page=page, content_type="multipart/form-data"
    )
    assert refused.status_code == 302 and "JPEG" in school.get(page).get_data(as_text=True)
    other = new_user_client(app, world, "institution", "school2", world.other_institution)
    stolen = other.post(
        url,
        {"photo": (io.BytesIO(jpeg()), "me.jpg")},
        page="/institution/classes/",
        content_type="multipart/form-data",
    )
    assert stolen.status_code == 404 and other.get(f"{url}.jpg").status_code == 404
    sitting = schedule_sitting(app, officer, class_id, "first")
    roster = tablet.get(f"/proctor/sittings/{sitting.id}").get_data(as_text=True)
    assert f"{base(sitting, first)}/photo/roster.jpg" in roster
    assert tablet.get(f"{base(sitting, first)}/photo/roster.jpg").status_code == 200


def test_the_certificate_prints_the_check_in_photo_and_retention_deletes_it(
    app, world, officer, tablet, sitting, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first, second, third = enrollments(app, sitting)
    assert photo_call(tablet, sitting, first, jpeg(colour=(200, 30, 30))).status_code == 200
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, second, 2, right=True)
    enter(app, tablet, sitting, third, 3, right=False)
    close_sitting(app, tablet, officer, sitting)
    pdf = job_file(officer, f"/officer/classes/{sitting.class_id}/certificates/pdf", "/").data
    (tmp_path / "c.pdf").write_bytes(pdf)
    listed = subprocess.run(
        ["pdfimages", "-list", str(tmp_path / "c.pdf")], capture_output=True, text=True, check=True
    )
    rows = [line.split() for line in listed.stdout.splitlines()[2:]]
    photos_on = [int(row[0]) for row in rows if (row[3], row[4]) == ("240", "320")]  # the QR is square
    assert photos_on == [1]  # the first candidate's certificate only: the others had no photo taken
    with app.app_context():
        s = db_session()
        anonymise(s, SYSTEM, date(2200, 1, 1), 5)
        s.commit()
    assert stored(app) == []
