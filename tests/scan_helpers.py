"""Answer sheets as a candidate leaves them: the real printed sheet of a seat, rasterised, with
bubbles filled at the places the layout gives; and as a scanner sends them (PNG, PDF)."""

from __future__ import annotations

import base64
import io
import secrets
import subprocess
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.core.pdf import render_pdf
from examsvc.demo.sheets import drawn_sheet
from examsvc.orgs.service import bureau_name
from examsvc.papers.composition import seed_of
from examsvc.papers.models import Paper
from examsvc.papers.pdf import paper_facts, paper_html, seat_pages
from examsvc.papers.sheet_layout import (
    mark_rows,
    sheet_layout,
)
from examsvc.papers.variants import seat_serial
from examsvc.questions.cipher import BankCipher
from examsvc.scans import reader

from .tablet_helpers import right_answers


def _paper(app, sitting):  # type: ignore[no-untyped-def]
    s = db_session()
    paper = s.scalar(select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind))
    payload = BankCipher(s, app.extensions["examsvc.keys"]).open_blob(
        paper.content, f"examsvc-paper:{sitting.class_id}:{sitting.kind}".encode()
    )
    return paper, payload


def blank_sheets(app, sitting, seats: list[int], tmp_path: Path, dpi: int = 150) -> dict[int, np.ndarray]:
    """Each seat's answer sheet as printed (the last page of the seat's paper), in grey."""
    with app.app_context(), app.test_request_context():
        paper, payload = _paper(app, sitting)
        seed = seed_of(payload, paper.seed)
        facts = paper_facts(paper, bureau_name(db_session()))
        seat_range = range(min(seats), max(seats) + 1)
        html = paper_html(payload, seed, seat_range, facts)
        printed = seat_pages(payload, seed, seat_range)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(render_pdf(html))
    sheets, page = {}, 0
    for seat in printed:
        page += len(seat["pages"]) + 2  # cover, questions, sheet
        if seat["seat"] in seats:
            stem = tmp_path / f"sheet-{seat['seat']}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(dpi),
                    "-gray",
                    "-png",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(pdf),
                    str(stem),
                ],
                check=True,
            )
            found = sorted(tmp_path.glob(f"sheet-{seat['seat']}*.png"))[-1]
            sheets[seat["seat"]] = cv2.imread(str(found), cv2.IMREAD_GRAYSCALE)
    return sheets


def rows_of(app, sitting) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return mark_rows(_paper(app, sitting)[1]["questions"])


def right_marks(app, sitting, seat: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The marks of a candidate who knows every answer: letters, or 对/错."""
    return right_answers(app, sitting, seat).split()


def filled(gray: np.ndarray, rows, marks: list[str], darkness: int = 40) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The sheet with `marks[i]` filled in on question i+1 ('-' or '' for none): ellipses a bit
    smaller than the printed bubble, as a careful pencil leaves them."""
    layout = sheet_layout(rows)
    sheet, qr = reader._qr(gray)
    corners = reader._markers(gray, layout, qr)
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), np.float32(corners))
    scale = float(np.linalg.norm(corners[1] - corners[0]) / (layout.markers[1][0] - layout.markers[0][0]))
    out = gray.copy()
    for spot, wanted in zip(layout.spots, marks, strict=False):
        for bubble in spot.bubbles:
            if bubble.mark in wanted:
                x, y = cv2.perspectiveTransform(np.float32([[[bubble.x, bubble.y]]]), to_image)[0, 0]
                axes = (round(10.5 * scale), round(6 * scale))
                cv2.ellipse(out, (round(x), round(y)), axes, 0, 0, 360, darkness, -1)
    return out


def ticked(gray: np.ndarray, rows, number: int, mark: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A tick drawn over one bubble instead of a fill: must come out uncertain."""
    layout = sheet_layout(rows)
    _, qr = reader._qr(gray)
    corners = reader._markers(gray, layout, qr)
    to_image = cv2.getPerspectiveTransform(np.float32(layout.markers), np.float32(corners))
    bubble = next(b for b in layout.spots[number - 1].bubbles if b.mark == mark)
    points = np.float32(
        [[[bubble.x - 8, bubble.y]], [[bubble.x - 2, bubble.y + 6]], [[bubble.x + 10, bubble.y - 9]]]
    )
    line = cv2.perspectiveTransform(points, to_image).astype(np.int32)
    out = gray.copy()
    cv2.polylines(out, [line], False, 30, 2)
    return out


def png(gray: np.ndarray) -> bytes:
    return cv2.imencode(".png", gray)[1].tobytes()


def jpeg(gray: np.ndarray, quality: int = 85) -> bytes:
    return cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def pdf_of(pages: list[np.ndarray], dpi: int = 150) -> bytes:
    """A scanner's PDF: one image a page."""
    images = [Image.fromarray(p) for p in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def photographed_sheet(app, sitting, seat: int, right: bool, tick_question: int = 0) -> dict:  # type: ignore[no-untyped-def]
    """The camera endpoint's body for seat `seat`'s sheet, every answer right or all left blank;
    `tick_question`: that question ticked on its first bubble instead of filled."""
    with app.app_context():
        paper, payload = _paper(app, sitting)
        rows, tag = mark_rows(payload["questions"]), paper.content_hash[:8]
    marks = right_marks(app, sitting, seat) if right else []
    ticks: tuple[tuple[int, str], ...] = ()
    if tick_question:
        ticks, marks[tick_question - 1] = ((tick_question, rows[tick_question - 1][1][0]),), "-"
    serial = seat_serial(sitting.training_class.code, sitting.kind, seat)
    image = drawn_sheet(rows, serial, tag, marks, ticks=ticks)
    data = "data:image/jpeg;base64," + base64.b64encode(jpeg(image)).decode()
    return {"image": data, "idempotency_key": secrets.token_hex(16)}
