"""Candidates' face photos: checked, made small, sealed, stored, and read back for print and screen.

An upload is bounded before it is decoded (bytes, then pixels), must be a JPEG or PNG, and is
re-encoded as a JPEG at most MAX_SIDE pixels high: what is stored carries no EXIF (location, device)
and no second image. Photos are sealed under the personal-data key, bound to their enrollment and
sitting, so a sealed photo copied onto another row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.crypto import aead
from ..core.keyring import Keyring
from ..core.msgid import N_, RuleError
from .models import CandidatePhoto, Enrollment

MAX_BYTES = 3 * 1024 * 1024
MAX_PIXELS = 24_000_000  # a 6000 x 4000 camera photo; a decompression bomb is refused before decoding
MIN_SIDE = 120  # smaller shows no face worth comparing
MAX_SIDE = 480  # stored height: plenty for a 35 x 45 mm print and a tablet's side-by-side view
FORMATS = {"JPEG", "PNG", "MPO"}  # MPO: a phone camera's JPEG with extra pictures; the first is read
# A progressive JPEG decodes every scan over the whole picture: a camera writes 1, an encoder ~10. A
# crafted one repeats a 40-byte scan thousands of times (minutes of CPU in 300 kB): refused unread.
MAX_SCANS = 100
SOS = b"\xff\xda"  # start of scan; 0xFF in entropy-coded data is always followed by 0x00 or a restart


def normalised_jpeg(data: bytes) -> bytes:
    """The photo as a small EXIF-free JPEG, upright; RuleError says what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise RuleError(N_("A photo may be at most %(max)d MB."), max=MAX_BYTES // (1024 * 1024))
    try:
        probe = Image.open(io.BytesIO(data))  # reads the header only: size and format, no pixels yet
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise RuleError(N_("A photo must be a JPEG or PNG image.")) from exc
    with probe:
        if probe.format not in FORMATS or (probe.format != "PNG" and data.count(SOS) > MAX_SCANS):
            raise RuleError(N_("A photo must be a JPEG or PNG image."))
        width, height = probe.size
        if width * height > MAX_PIXELS:
            raise RuleError(N_("The photo has too many pixels (at most %(max)d million)."), max=24)
        if min(width, height) < MIN_SIDE:
            raise RuleError(N_("The photo is too small: at least %(min)d pixels a side."), min=MIN_SIDE)
        try:
            image = ImageOps.exif_transpose(probe)
            if image.mode.startswith("I"):  # 16-bit grey: scaled to 8 bits (converting clips it white)
                image = image.convert("I").point(lambda v: v * (1 / 256), "L")
            image = image.convert("RGB")
        except Exception as exc:  # truncated or corrupt: Pillow's decoders and EXIF reader raise many kinds
            raise RuleError(N_("A photo must be a JPEG or PNG image.")) from exc
    image.thumbnail((MAX_SIDE * 3 // 4 * 2, MAX_SIDE))
    if min(image.size) < MIN_SIDE:  # a strip: what would be stored shows no face either
        raise RuleError(N_("The photo is too small: at least %(min)d pixels a side."), min=MIN_SIDE)
    image.info.clear()  # a JPEG's comment would be written again: pixels only
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _aad(enrollment_id: int, sitting_id: int | None) -> bytes:
    return f"photo:{enrollment_id}:{sitting_id if sitting_id is not None else 'roster'}".encode()


def _row(session: Session, enrollment_id: int, sitting_id: int | None) -> CandidatePhoto | None:
    at = CandidatePhoto.sitting_id
    where = at.is_(None) if sitting_id is None else at == sitting_id
    return session.scalar(select(CandidatePhoto).where(CandidatePhoto.enrollment_id == enrollment_id, where))


def store(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    enrollment: Enrollment,
    sitting_id: int | None,
    data: bytes,
    user_id: int | None,
    now: datetime,
) -> CandidatePhoto:
    """The roster photo (sitting None) or a sitting's check-in photo; a new one replaces the old."""
    jpeg = normalised_jpeg(data)
    digest = hashlib.sha256(jpeg).hexdigest()
    sealed = aead.seal(keyring.personal_data, jpeg, _aad(enrollment.id, sitting_id))
    photo = _row(session, enrollment.id, sitting_id)
    if photo is None:
        try:  # two proctors (or a tablet's resend) at the same moment: the second replaces the first's
            with session.begin_nested():
                photo = CandidatePhoto(enrollment_id=enrollment.id, sitting_id=sitting_id, sealed=sealed)
                photo.digest, photo.taken_by, photo.taken_at = digest, user_id, now
                session.add(photo)
        except IntegrityError:
            photo = _row(session, enrollment.id, sitting_id)
            if photo is None:  # pragma: no cover - not the row's uniqueness that failed
                raise
    photo.sealed, photo.digest, photo.taken_by, photo.taken_at = sealed, digest, user_id, now
    session.flush()
    what = "photo.roster" if sitting_id is None else "photo.check_in"
    record(session, actor, what, "enrollment", enrollment.id, {"sitting": sitting_id, "sha256": digest})
    return photo


def jpeg_of(session: Session, keyring: Keyring, enrollment_id: int, sitting_id: int | None) -> bytes | None:
    photo = _row(session, enrollment_id, sitting_id)
    if photo is None:
        return None
    return aead.unseal(keyring.personal_data_keys(), photo.sealed, _aad(enrollment_id, sitting_id))


def data_uri(jpeg: bytes | None) -> str | None:
    return None if jpeg is None else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def which_exist(session: Session, sitting_id: int, enrollment_ids: list[int]) -> tuple[set[int], set[int]]:
    """Of these enrollments: those with a roster photo, and those photographed at this sitting
    (one query: the proctor's page asks it on every load)."""
    if not enrollment_ids:
        return set(), set()
    rows = session.execute(
        select(CandidatePhoto.enrollment_id, CandidatePhoto.sitting_id).where(
            CandidatePhoto.enrollment_id.in_(enrollment_ids),
            CandidatePhoto.sitting_id.is_(None) | (CandidatePhoto.sitting_id == sitting_id),
        )
    ).all()
    return {e for e, at in rows if at is None}, {e for e, at in rows if at is not None}


def with_roster_photo(session: Session, class_id: int) -> set[int]:
    """The class's enrollments that have a roster photo."""
    rows = session.scalars(
        select(CandidatePhoto.enrollment_id)
        .join(Enrollment, Enrollment.id == CandidatePhoto.enrollment_id)
        .where(Enrollment.class_id == class_id, CandidatePhoto.sitting_id.is_(None))
    )
    return set(rows)
