"""Answer sheets as a scanner would send them, drawn straight from the sheet's layout (no PDF, so
the demo loads in a moment): the corner markers, the QR and the bubbles where the printed sheet has
them, with the candidate's marks. Tests draw theirs the same way."""

from __future__ import annotations

import cv2
import numpy as np
import qrcode
import qrcode.constants

from ..papers.sheet_layout import (
    MARKER_SIDE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_BORDER_MODULES,
    QR_BOX,
    sheet_layout,
    sheet_qr_text,
)


def drawn_sheet(  # type: ignore[no-untyped-def]
    rows, serial: str, tag: str, marks: list[str], scale: float = 1.2, ticks: tuple[tuple[int, str], ...] = ()
) -> np.ndarray:
    """A sheet with `marks[i]` filled on question i+1 and a tick (not a fill) at each (number, mark)
    of `ticks`, in grey, `scale` pixels a layout pixel (1.2: about 150 dpi)."""
    layout = sheet_layout(rows)
    page = np.full((round(PAGE_HEIGHT * scale) + 120, round(PAGE_WIDTH * scale) + 120), 250, np.uint8)

    def at(x: float, y: float) -> tuple[int, int]:
        return round(60 + x * scale), round(60 + y * scale)

    half = MARKER_SIDE / 2
    for x, y in layout.markers:
        cv2.rectangle(page, at(x - half, y - half), at(x + half, y + half), 0, -1)
    code = qrcode.QRCode(
        border=QR_BORDER_MODULES, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    code.add_data(sheet_qr_text(serial, tag).encode())
    code.make(fit=True)
    left, top, side = QR_BOX
    (x0, y0), (x1, _) = at(left, top), at(left + side, top)
    symbol = np.array(code.make_image().convert("L"), np.uint8)
    page[y0 : y0 + x1 - x0, x0:x1] = cv2.resize(symbol, (x1 - x0, x1 - x0), interpolation=cv2.INTER_NEAREST)
    for spot, wanted in zip(layout.spots, marks + [""] * len(layout.spots), strict=False):
        for bubble in spot.bubbles:
            centre = at(bubble.x, bubble.y)
            cv2.ellipse(page, centre, (round(11 * scale), round(7 * scale)), 0, 0, 360, 70, 1)
            if bubble.mark in wanted:
                cv2.ellipse(page, centre, (round(10 * scale), round(6 * scale)), 0, 0, 360, 40, -1)
            if (spot.number, bubble.mark) in ticks:
                x, y = bubble.x, bubble.y
                stroke = np.int32([at(x - 7, y), at(x - 2, y + 5), at(x + 9, y - 8)])
                cv2.polylines(page, [stroke], False, 40, max(1, round(1.5 * scale)))
    return page
