"""An approved class with a roster and a bank big enough to set its paper."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

from sqlalchemy import select

from examsvc.audit.service import SYSTEM
from examsvc.classes import enrol, service
from examsvc.classes.models import TrainingClass
from examsvc.classes.roster import COLUMNS, check_cells
from examsvc.classes.rules import ClassRules
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.questions.models import Question

from .class_helpers import person

BANK = Path(__file__).resolve().parent.parent / "question_bank"


def import_bank(app) -> None:  # type: ignore[no-untyped-def]
    """The starter bank, through `examsvc bank import`, reviewed by the world's officer."""
    result = app.test_cli_runner().invoke(main, ["bank", "import", str(BANK), "--approved-by", "officer1"])
    assert result.exit_code == 0, result.output


def approved_class(app, world, title: str = "试卷测试班", people: int = 3, first_person: int = 1) -> int:  # type: ignore[no-untyped-def]
    """The starter bank imported, and an approved coal-mine manager class (returns its id)."""
    class_id = draft_class(app, world, title, people, first_person)
    with app.app_context():
        s = db_session()
        rules = ClassRules.from_config(app.config["EXAMSVC"])
        training_class = s.get(TrainingClass, class_id)
        service.submit(s, SYSTEM, training_class, rules)
        service.approve(s, SYSTEM, training_class, rules)
        s.commit()
        return class_id


def draft_class(app, world, title: str = "试卷测试班", people: int = 3, first_person: int = 1) -> int:  # type: ignore[no-untyped-def]
    """The starter bank imported (once), and a coal-mine manager class with its roster, not yet submitted."""
    with app.app_context():
        has_bank = db_session().scalar(select(Question.id).limit(1)) is not None
    if not has_bank:  # a second class of a test shares the bank
        import_bank(app)
    with app.app_context():
        s = db_session()
        rules = ClassRules.from_config(app.config["EXAMSVC"])
        data = service.ClassInput(
            title, "coal_mine", "manager", date(2026, 11, 23), date(2026, 11, 27), "南宁", "450103", 8, 16, 0
        )
        training_class = service.create_class(s, SYSTEM, world.institution, data)
        people_rows = [[*person(i)[:6], 24] for i in range(first_person, first_person + people)]
        rows = [[key for key, *_ in COLUMNS], *people_rows]
        rows = [["id_card" if v == "居民身份证" else v for v in r] for r in rows]
        enrol.add_to_roster(
            s, SYSTEM, app.extensions["examsvc.keys"], training_class, check_cells(rows), rules
        )
        s.commit()
        return training_class.id


def pdf_text(pdf: bytes, tmp_path: Path, first: int | None = None, last: int | None = None) -> str:
    """Text of a PDF through pdftotext, NFKC-normalised (it returns some CJK as Kangxi radicals)."""
    import subprocess

    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    text = subprocess.run(
        ["pdftotext", *pages, "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout
    return unicodedata.normalize("NFKC", text.decode("utf-8"))


def page_count(pdf: bytes, tmp_path: Path) -> int:
    import subprocess

    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def right_sheet(questions, variant) -> str:  # type: ignore[no-untyped-def]
    """What a trainee who knows every answer writes on this seat's answer sheet."""
    from examsvc.papers.variants import LETTERS

    tokens = []
    for sq in variant.questions:
        q = questions[sq.index]
        if q["type"] == "truefalse":
            tokens.append("对" if q["answer"] == "true" else "错")
        else:
            tokens.append("".join(sorted(LETTERS[sq.options.index(c)] for c in q["answer"])))
    return " ".join(tokens)


def seats_printed(pdf: bytes, tmp_path: Path) -> int:
    """How many seats' papers a PDF holds, by their answer sheets (one a seat, naming its serial).
    Not pages divided by seats: a seat's question order changes where its pages break, so two
    seats of one paper may take a different number of pages."""
    return len(set(re.findall(r"答题卡\s+座位号\s+(\S+)", pdf_text(pdf, tmp_path))))
