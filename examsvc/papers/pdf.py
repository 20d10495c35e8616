"""Paper PDFs: every seat's variant in one wkhtmltopdf run (examsvc/pdf.py renders it).

wkhtmltopdf runs with JavaScript and local files off, every network fetch sent to a dead proxy,
no `javascript-delay`, and a timeout. All values reach the HTML through Jinja's autoescaping, so a
name like `<meta name="pdfkit-...">` or `<iframe src=file:///etc/passwd>` prints as text.
"""

from __future__ import annotations

from flask import render_template

from ..core.db import BEIJING
from ..core.pdf import OPTIONS, PdfError, render_pdf  # noqa: F401 (the one renderer, shared)
from ..core.qr import qr_data_uri
from ..web.labels import SITTING_KIND_ZH
from .layout import paginate, question_lines
from .models import Paper
from .service import spec_from_json
from .sheet_layout import QR_BORDER_MODULES, mark_rows, sheet_layout, sheet_qr_text
from .variants import LETTERS, SECTION_ORDER, seat_variant


def seat_pages(payload: dict, seed: int, seats: int | range) -> list[dict]:
    """Each seat's printed pages; `seats`: a count (seats 1..n) or a range of seat numbers."""
    questions = payload["questions"]
    types = [q["type"] for q in questions]
    keys = [tuple(sorted(q.get("options") or {})) for q in questions]
    out = []
    for seat in range(1, seats + 1) if isinstance(seats, int) else seats:
        variant = seat_variant(seed, payload["class"], payload["sitting"], seat, types, keys)
        printed = []
        for sq in variant.questions:
            q = questions[sq.index]
            options = [(LETTERS[i], q["options"][key]) for i, key in enumerate(sq.options)]
            printed.append(
                {
                    "number": sq.number,
                    "type": q["type"],
                    "stem": q["stem"],
                    "options": options,
                    "points": q["points_tenths"] / 10,
                }
            )
        heights = [
            question_lines(p["stem"], [t for _, t in p["options"]])
            + (2 if _starts_section(printed, i) else 0)
            for i, p in enumerate(printed)
        ]
        pages = [[printed[i] for i in page.items] for page in paginate(heights)]
        out.append({"serial": variant.serial, "pages": pages, "count": len(printed), "seat": seat})
    return out


def _starts_section(printed: list[dict], i: int) -> bool:
    return i == 0 or printed[i - 1]["type"] != printed[i]["type"]


def paper_facts(paper: Paper, bureau: str) -> dict:
    """What the paper's cover and page heads say of the class and the sitting."""
    spec, c = spec_from_json(paper.spec), paper.training_class
    return {
        "bureau": bureau,
        "title": c.title,
        "sitting_label": SITTING_KIND_ZH[paper.sitting],
        "class_code": c.code,
        "class_title": c.title,
        "institution": c.institution.name,
        "starts": f"{paper.starts_at.astimezone(BEIJING):%Y-%m-%d %H:%M}",
        "duration": spec.duration_minutes,
        "full_mark": spec.full_mark,
        "pass_mark": spec.pass_mark,
        "paper_tag": paper_tag(paper),
    }


def paper_tag(paper: Paper) -> str:
    """What a sheet's QR says of its paper: a sheet printed from another paper is told apart."""
    return paper.content_hash[:8]


def paper_html(payload: dict, seed: int, seats: int | range, facts: dict) -> str:
    printed = seat_pages(payload, seed, seats)
    for seat in printed:
        seat["qr"] = qr_data_uri(sheet_qr_text(seat["serial"], facts["paper_tag"]), QR_BORDER_MODULES)[0]
    return render_template(
        "pdf/paper.html",
        seats=printed,
        facts=facts,
        sections=SECTION_ORDER,
        sheet=sheet_layout(mark_rows(payload["questions"])),
    )


def paper_html_parts(payload: dict, seed: int, parts: list[range], facts: dict) -> list[str]:
    """One HTML document per range of seats: each seat's pages are whole within one part."""
    return [paper_html(payload, seed, seats, facts) for seats in parts]
