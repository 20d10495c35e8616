"""Uploads as page images: a scanner's PDF or images, or one camera picture. Bounded before decoding.

Every limit is checked on what the file says of itself (bytes, page count, page size, pixels)
before any pixel is made, so a crafted file costs no more than a real one. A file that cannot be
opened is one problem, said per file; the other files of the upload go on.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2
from PIL import Image, UnidentifiedImageError

from ..core.msgid import N_, RuleError

MAX_FILES = 80
MAX_PAGES = 80  # one upload: a class's sheets (rosters are smaller), read while the proctor waits
MAX_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 million
MAX_PAGE_MM = 450.0  # larger than A3 is no answer sheet
RENDER_DPI = 200
STORED_SIDE = 2400  # the longer side kept: about 200 dpi of an A4 page, enough to read again and to see
MAX_SCANS = 100  # progressive JPEG scans (classes/photos.py says why)
MIN_SIDE = 300  # fewer pixels a side holds no readable sheet (and a ribbon would shrink to nothing)
POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Page:
    label: str  # the file, and the page within it
    gray: np.ndarray  # 2-D uint8, at most STORED_SIDE on its longer side


@dataclass(frozen=True)
class FileProblem:
    label: str
    error: RuleError


def pages_of(filename: str, data: bytes) -> Iterator[Page | FileProblem]:
    """The pages of one uploaded file, or one problem for the whole file."""
    name = "".join(ch for ch in filename[-80:] if ch.isprintable()) or "?"  # no NUL nor control codes
    try:
        if data.startswith(b"%PDF-"):
            yield from _pdf_pages(name, data)
        else:
            yield Page(name, image_gray(data))
    except RuleError as exc:
        yield FileProblem(name, exc)


def image_gray(data: bytes) -> np.ndarray:
    """A JPEG or PNG as grey pixels, bounded first."""
    refusal = RuleError(N_("Not a PDF, JPEG or PNG file that can be opened."))
    try:
        probe = Image.open(io.BytesIO(data))  # the header only
    except Image.DecompressionBombError as exc:  # Pillow's own bound, far above ours: said as ours
        raise RuleError(
            N_("The image has too many pixels (at most %(max)d million)."), max=MAX_PIXELS // 1_000_000
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise refusal from exc
    with probe:
        if probe.format not in {"JPEG", "PNG", "MPO"} or (
            probe.format != "PNG" and data.count(b"\xff\xda") > MAX_SCANS
        ):
            raise refusal
        width, height = probe.size
    if min(width, height) < MIN_SIDE or max(width, height) > MIN_SIDE * 40:
        raise RuleError(N_("The picture is too small or too narrow to be an answer sheet."))
    if width * height > MAX_PIXELS:
        raise RuleError(
            N_("The image has too many pixels (at most %(max)d million)."), max=MAX_PIXELS // 1_000_000
        )
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise refusal
    return fitted(gray)


def _pdf_pages(name: str, data: bytes) -> Iterator[Page]:
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise RuleError(N_("Not a PDF, JPEG or PNG file that can be opened.")) from exc
    try:
        if len(pdf) > MAX_PAGES:
            raise RuleError(N_("At most %(max)d pages at a time: split the file."), max=MAX_PAGES)
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            if max(width, height) > MAX_PAGE_MM * POINTS_PER_MM:
                raise RuleError(N_("Page %(page)d is larger than A3: not an answer sheet."), page=index + 1)
            bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
            gray = np.array(bitmap.to_numpy(), copy=True).reshape(bitmap.height, bitmap.width, -1)[:, :, 0]
            yield Page(f"{name} · {index + 1}", fitted(gray))
    finally:
        pdf.close()


def fitted(gray: np.ndarray) -> np.ndarray:
    side = max(gray.shape)
    if side <= STORED_SIDE:
        return gray
    factor = STORED_SIDE / side
    size = (max(1, round(gray.shape[1] * factor)), max(1, round(gray.shape[0] * factor)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def jpeg_of(gray: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not ok:  # pragma: no cover - a 2-D uint8 array always encodes
        raise RuleError(N_("Not a PDF, JPEG or PNG file that can be opened."))
    return encoded.tobytes()


def gray_of_jpeg(jpeg: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
