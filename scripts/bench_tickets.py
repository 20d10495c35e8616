"""Benchmark of admission tickets: an institution's download for a class, against the certificates'
PDF of the same class (the PDF the bureau already makes per class).

    .venv/bin/python scripts/bench_tickets.py

Not part of the test suite. For classes of 40 and 80 candidates, the median of 3 runs of:
  - baseline: the certificates' HTML (one page each, a QR each) rendered by wkhtmltopdf;
  - tickets: the tickets' HTML (two a page, a QR and a 240 x 320 photo each) rendered the same way,
    with the QR codes and photos made in the run.
Templates are rendered with Jinja alone (no database): this measures the PDF, which dominates.
The last line is read by tools: `tickets_ms=<80> certificates_ms=<80> ratio=<...>`.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from examsvc.classes.photos import data_uri
from examsvc.core.pdf import render_pdf
from examsvc.core.qr import qr_data_uri
from examsvc.demo.portraits import portrait
from examsvc.exams.tickets import new_number, qr_text

RUNS = 3
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(),
)
COMMON = {
    "bureau": "测试市应急管理局",
    "id_masked": "450103********123X",
    "class_code": "2026-00001",
    "class_title": "煤矿主要负责人安全培训班",
    "institution": "测试培训学校",
    "industry": "煤矿",
    "category": "主要负责人",
}


def tickets(people: int) -> bytes:
    pages = []
    for n in range(people):
        number = new_number()
        qr, qr_px = qr_data_uri(qr_text(number))
        pages.append(
            {
                **COMMON,
                "number": number,
                "name": f"学员{n}",
                "kind": "首次考试",
                "date": "2026年12月05日",
                "time": "09:00–10:30",
                "duration": 90,
                "venue": "测试县应急管理局考场",
                "seat": n + 1,
                "photo": data_uri(portrait(str(n))),
                "qr": qr,
                "qr_px": qr_px,
            }
        )
    return render_pdf(TEMPLATES.get_template("pdf/ticket.html").render(tickets=pages))


def certificates(people: int) -> bytes:
    pages = []
    for n in range(people):
        qr, qr_px = qr_data_uri("https://examsvc.example/v/" + "x" * 300)  # a token's length
        pages.append(
            {
                **COMMON,
                "number": f"AQ2026{n:06d}",
                "name": f"学员{n}",
                "hours": 48,
                "year": 2026,
                "issued": "2026年12月05日",
                "expires": "2029年12月05日",
                "url": "",
                "qr": qr,
                "qr_px": qr_px,
                "revoked": False,
                "photo": None,
            }
        )
    return render_pdf(TEMPLATES.get_template("pdf/certificate.html").render(pages=pages))


def median_ms(work, people: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work(people)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    figures = {}
    for people in (40, 80):
        base, ours = median_ms(certificates, people), median_ms(tickets, people)
        figures[people] = (ours, base)
        line = f"{people:>3} candidates: certificates {base:8.0f} ms, tickets {ours:8.0f} ms"
        print(f"{line}, ratio {ours / base:.2f}")
    ours, base = figures[80]
    print(f"tickets_ms={ours:.0f} certificates_ms={base:.0f} ratio={ours / base:.2f}")


if __name__ == "__main__":
    main()
