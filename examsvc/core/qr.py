"""QR codes for printed pages (certificates, admission tickets), as PNG for a data: URI.

Error correction M, byte mode, printed with modules of MODULE_MM: wkhtmltopdf shrinks the 930 px
page onto A4's 190 mm text width, so a CSS pixel prints 0.2043 mm (measured: 230 px of an
85-module image gave a 42.5 mm symbol at 150 dpi).
"""

from __future__ import annotations

import base64
import io
import math

import qrcode
import qrcode.constants

MODULE_MM = 0.62  # at least 0.6 mm a module: readable printed and photocopied at 150 dpi
MM_PER_CSS_PX = 190 / 930
QUIET_MODULES = 4


def qr_png(text: str, border: int = QUIET_MODULES) -> tuple[bytes, int]:
    """The PNG and the width (CSS px) that prints its modules MODULE_MM wide; `border`: quiet modules."""
    # A fixed mask: choosing the "best" of eight costs ~2.5x the time (PDF.md), and any mask decodes.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=border, mask_pattern=2
    )
    code.add_data(text.encode("utf-8"))  # bytes: byte mode, whatever the characters
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    width = math.ceil((code.modules_count + 2 * border) * MODULE_MM / MM_PER_CSS_PX)
    return out.getvalue(), width


def qr_data_uri(text: str, border: int = QUIET_MODULES) -> tuple[str, int]:
    png, width = qr_png(text, border)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii"), width
