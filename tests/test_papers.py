"""One sealed paper per class: generation, the seal, printing, and who may touch it."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from examsvc.audit.models import AuditEvent
from examsvc.audit.service import SYSTEM
from examsvc.classes.models import TrainingClass
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.orgs.service import bureau_name
from examsvc.papers import service as papers
from examsvc.papers.composition import question_tag
from examsvc.papers.models import Paper
from examsvc.papers.spec import DEFAULT_SPEC
from examsvc.questions.cipher import BankCipher
from examsvc.questions.models import Question

from .conftest import schedule_sitting
from .helpers import Client, job_file
from .paper_helpers import approved_class, page_count, pdf_text


@pytest.fixture
def class_id(app, world):  # type: ignore[no-untyped-def]
    return approved_class(app, world)


def _generate(client, class_id, sitting="first"):  # type: ignore[no-untyped-def]
    page = f"/officer/classes/{class_id}"
    return client.post(f"/officer/classes/{class_id}/papers", {"sitting": sitting}, page=page)


def _print(officer, paper):  # type: ignore[no-untyped-def]
    """The class's PDF as the officer gets it: asked for, made as a job, downloaded."""
    return job_file(officer, f"/officer/papers/{paper.id}/pdf", f"/officer/classes/{paper.class_id}")


def _refused(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and "/jobs/" not in response.location


def _paper(app, class_id, sitting="first"):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(Paper).where(Paper.class_id == class_id, Paper.sitting == sitting))


def test_officer_generates_a_sealed_paper_and_cannot_open_it_before_release(
    app, officer, class_id, monkeypatch
):
    """Guard: Paper.released (no release time of its own: sealed until its sitting sets one)."""
    assert _generate(officer, class_id).status_code == 302
    paper = _paper(app, class_id)
    assert paper.release_at is None  # no sitting yet: sealed, whatever the clock says
    page = officer.get(f"/officer/classes/{class_id}").get_data(as_text=True)
    assert paper.content_hash[:16] in page and "已密封" in page
    refused = _print(officer, paper)
    assert _refused(refused) and "密封" in officer.get(refused.location).get_data(as_text=True)
    sitting = schedule_sitting(app, officer, class_id, "first")  # starts in 10 minutes, then the clock moves
    paper = _paper(app, class_id)
    assert paper.release_at == sitting.starts_at - timedelta(minutes=60)
    clock = app.extensions["examsvc.clock"]
    clock.advance(paper.release_at - timedelta(seconds=1) - clock.now())
    response = _print(officer, paper)
    assert _refused(response) and b"%PDF" not in response.get_data()
    clock.advance(timedelta(seconds=1))
    response = _print(officer, paper)
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    with app.app_context():
        downloads = (
            db_session().scalars(select(AuditEvent).where(AuditEvent.action == "paper.download")).all()
        )
        assert len(downloads) == 1  # only the download that happened, not the refused one


def test_the_class_pdf_has_every_seat_with_its_own_order(app, officer, class_id, tmp_path, monkeypatch):
    schedule_sitting(app, officer, class_id, "first")
    paper = _paper(app, class_id)
    pdf = _print(officer, paper).get_data()
    pages = page_count(pdf, tmp_path)
    per_seat = pages // paper.seats
    assert pages == per_seat * paper.seats and paper.seats == 3
    text = pdf_text(pdf, tmp_path)
    assert "判断题" in text and "单项选择题" in text and "答题卡" in text
    first_seat = pdf_text(pdf, tmp_path, 2, 2)
    second_seat = pdf_text(pdf, tmp_path, per_seat + 2, per_seat + 2)
    assert (
        f"{paper.training_class.code}-A-001" in first_seat
        and f"{paper.training_class.code}-A-002" in second_seat
    )

    def stems(page: str) -> list[str]:
        return [line.split(". ", 1)[1][:12] for line in page.splitlines() if re.match(r"\s*\d+\. ", line)]

    assert stems(first_seat) and stems(first_seat) != stems(second_seat)  # same questions, another order
    with app.app_context():
        payload = BankCipher(db_session(), app.extensions["examsvc.keys"]).open_blob(
            db_session().get(Paper, paper.id).content, f"examsvc-paper:{class_id}:first".encode()
        )
    # pdftotext gives NFKC text (full-width commas become ASCII) broken into indented lines.
    flat = re.sub(r"\s+", "", text)
    assert any(
        re.sub(r"\s+", "", unicodedata.normalize("NFKC", q["stem"]))[:12] in flat
        for q in payload["questions"][:5]
    )


def test_the_cli_prints_a_released_paper_as_the_download_does(app, officer, class_id, tmp_path):
    schedule_sitting(app, officer, class_id, "first")
    paper = _paper(app, class_id)
    out = tmp_path / "printed.pdf"
    code = paper.training_class.code
    result = app.test_cli_runner().invoke(
        main, ["papers", "pdf", "--class", code, "--sitting", "first", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"{paper.seats} / {paper.seats} seats" in result.output  # the progress line, as the page counts
    printed = pdf_text(out.read_bytes(), tmp_path, 1, 1)
    downloaded = pdf_text(_print(officer, paper).get_data(), tmp_path, 1, 1)
    with app.app_context():
        bureau = bureau_name(db_session())
    assert bureau in printed and code in printed and printed == downloaded


def test_the_pdf_prints_hostile_names_as_text(app, world, officer, tmp_path):
    hostile = '<meta name="pdfkit-cookie" content="x=y"><iframe src="file:///etc/passwd"></iframe>'
    class_id = approved_class(app, world, title=hostile)
    schedule_sitting(app, officer, class_id, "first")
    pdf = _print(officer, _paper(app, class_id)).get_data()
    text = pdf_text(pdf, tmp_path, 1, 1)
    assert '<meta name="pdfkit-cookie"' in text.replace("\n", "")  # shown, not obeyed
    assert "root:x:0:0" not in pdf_text(pdf, tmp_path)


def test_one_paper_per_class_and_sitting(app, officer, class_id):
    _generate(officer, class_id)
    response = _generate(officer, class_id)
    assert "已有本场次的试卷" in officer.get(response.location).get_data(as_text=True)
    with app.app_context():
        s = db_session()
        first = s.scalar(select(Paper).where(Paper.class_id == class_id))
        clone = Paper(**{c.key: getattr(first, c.key) for c in Paper.__table__.columns if c.key != "id"})
        s.add(clone)
        with pytest.raises(IntegrityError):
            s.flush()  # the database itself refuses a second paper for the sitting
        s.rollback()


def test_a_retake_paper_avoids_the_first_papers_questions(app, officer, class_id):
    _generate(officer, class_id)
    _generate(officer, class_id, sitting="retake")
    first, retake = _paper(app, class_id), _paper(app, class_id, "retake")
    assert retake is not None
    assert not set(json.loads(first.question_ids)) & set(json.loads(retake.question_ids))
    with app.app_context():
        used = db_session().scalar(select(func.sum(Question.times_used)))
    assert used == 0  # sealed papers count in no usage figure (papers.service.count_use)


def test_a_papers_questions_count_as_used_once_it_is_opened_after_release(app, officer, class_id):
    """Guard: papers.service.count_use, not generate_paper, adds to the bank's usage figures: a
    count that grew at sealing would tell an officer which questions a sealed paper holds."""
    _generate(officer, class_id)
    with app.app_context():
        assert db_session().scalar(select(func.sum(Question.times_used))) == 0
    schedule_sitting(app, officer, class_id, "first")  # released
    paper = _paper(app, class_id)
    for _ in range(2):  # printed twice: counted once
        assert _print(officer, paper).status_code == 200
    with app.app_context():
        assert db_session().scalar(select(func.sum(Question.times_used))) == DEFAULT_SPEC.total


def test_a_retake_needs_the_first_paper(app, officer, class_id):
    response = _generate(officer, class_id, sitting="retake")
    assert "补考试卷需要先有首考试卷" in officer.get(response.location).get_data(as_text=True)


def test_papers_are_only_for_approved_classes(app, world, officer, class_id):
    with app.app_context():
        db_session().get(TrainingClass, class_id).status = "submitted"
        db_session().commit()
    _generate(officer, class_id)
    assert _paper(app, class_id) is None


@pytest.mark.parametrize("username", ["school1", "proctor1", "admin1"])
def test_nobody_else_touches_papers(app, world, officer, class_id, username):
    schedule_sitting(app, officer, class_id, "first")  # released, even
    paper = _paper(app, class_id)
    client = Client(app)
    world.login(client, username)
    assert client.post(f"/officer/papers/{paper.id}/pdf", page="/").status_code == 403
    assert client.get(f"/officer/classes/{class_id}").status_code == 403
    token = client.token(client.get("/").location)
    response = client.raw.post(
        f"/officer/classes/{class_id}/papers", data={"csrf_token": token, "sitting": "retake"}
    )
    assert response.status_code == 403
    assert client.get("/officer/blueprints").status_code == 403


def test_cli_lists_generates_and_refuses_to_print_a_sealed_paper(app, world, class_id, tmp_path):
    with app.app_context():
        code = db_session().get(TrainingClass, class_id).code
    runner = app.test_cli_runner()
    generated = runner.invoke(main, ["papers", "generate", "--class", code, "--sitting", "first"])
    assert generated.exit_code == 0 and "sealed until its sitting is scheduled" in generated.output
    listed = json.loads(runner.invoke(main, ["papers", "list", "--json"]).output)
    assert listed[0]["class"] == code and listed[0]["status"] == "sealed" and len(listed[0]["hash"]) == 64
    out = tmp_path / "paper.pdf"
    result = runner.invoke(main, ["papers", "pdf", "--class", code, "--sitting", "first", "--out", str(out)])
    assert result.exit_code != 0 and "sealed" in result.output and not out.exists()


def _blueprint(**overrides: object) -> dict[str, str]:
    form = {
        "industry": "coal_mine",
        "category": "manager",
        "truefalse_count": 20,
        "truefalse_points": 2,
        "single_count": 20,
        "single_points": 2,
        "multiple_count": 10,
        "multiple_points": 2,
        "full_mark": 100,
        "pass_mark": 80,
        "duration_minutes": 60,
        "min_per_topic": 1,
        "industry_share_percent": 20,
        "target_difficulty": 2.8,
    }
    return {k: str(v) for k, v in {**form, **overrides}.items()}


def test_blueprint_that_does_not_add_up_is_refused(app, officer):
    form = _blueprint(
        truefalse_count=40, truefalse_points=1, single_count=40, single_points=1, multiple_points=1.5
    )
    page = officer.post("/officer/blueprints", form).get_data(as_text=True)
    assert "95" in page and "满分" in page  # 40 + 40 + 15 = 95, not 100


def test_blueprint_the_bank_cannot_fill_names_the_shortfall(app, world, officer, class_id):
    form = _blueprint(truefalse_count=0, single_count=0, multiple_count=100, multiple_points=1)
    page = officer.post("/officer/blueprints", form).get_data(as_text=True)
    assert "coal_mine / manager / type multiple: need 100, bank has" in page


def test_a_saved_blueprint_is_used(app, world, officer, class_id):
    form = _blueprint()
    assert officer.post("/officer/blueprints", form).status_code == 302
    _generate(officer, class_id)
    assert len(json.loads(_paper(app, class_id).question_ids)) == 50


def test_a_stored_paper_tells_neither_its_questions_nor_its_seed(app, officer, class_id):
    """Guard: papers.composition (ids kept as keyed hashes, the seed inside the sealed content):
    with the repository's bank public, clear ids would give away a sealed paper's answers."""
    _generate(officer, class_id)
    paper = _paper(app, class_id)
    stored = json.loads(paper.question_ids)
    assert paper.seed is None and len(stored) == DEFAULT_SPEC.total
    with app.app_context():
        s = db_session()
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        payload = cipher.open_blob(paper.content, f"examsvc-paper:{class_id}:first".encode())
        all_ids = {str(q) for q in s.scalars(select(Question.id))}
    assert isinstance(payload["seed"], int)
    assert not set(map(str, stored)) & all_ids  # no id in clear
    key = app.extensions["examsvc.keys"].id_lookup
    assert sorted(question_tag(key, q["question_id"]) for q in payload["questions"]) == stored


def test_same_seed_same_paper(app, world, class_id):
    with app.app_context():
        s = db_session()
        training_class = s.get(TrainingClass, class_id)
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        first = papers.generate_paper(
            s, SYSTEM, cipher, training_class, "first", app.config["EXAMSVC"], seed=99
        )
        ids = first.question_ids
        s.delete(first)
        s.flush()
        again = papers.generate_paper(
            s, SYSTEM, cipher, training_class, "first", app.config["EXAMSVC"], seed=99
        )
        assert again.question_ids == ids  # re-derivable for an audit
        s.rollback()


def test_every_page_carries_its_seat_serial_and_no_answer_is_printed(app, officer, class_id, tmp_path):
    schedule_sitting(app, officer, class_id, "first")
    paper = _paper(app, class_id)
    pdf = _print(officer, paper).get_data()
    pages = page_count(pdf, tmp_path)
    serial = re.compile(rf"{re.escape(paper.training_class.code)}-A-(\d{{3}})")
    seats = []  # a seat's variant may run a page longer than another's: no fixed pages per seat
    for number in range(1, pages + 1):
        found = serial.findall(pdf_text(pdf, tmp_path, number, number))
        assert found and len(set(found)) == 1, number  # every page names one seat, and only one
        seats.append(int(found[0]))
    assert seats == sorted(seats) and set(seats) == set(range(1, paper.seats + 1))
    with app.app_context():
        payload = BankCipher(db_session(), app.extensions["examsvc.keys"]).open_blob(
            db_session().get(Paper, paper.id).content, f"examsvc-paper:{class_id}:first".encode()
        )
    text = "".join(pdf_text(pdf, tmp_path).split())
    explanations = ["".join(q["explanation"].split()) for q in payload["questions"]]
    assert not [
        e for e in explanations if e in text
    ]  # whole explanations: a short prefix may quote a law a stem quotes
    assert "答案：" not in text and "正确答案" not in text


def test_a_saved_blueprint_opens_for_editing(app, officer, class_id):
    form = _blueprint(pass_mark=85)
    officer.post("/officer/blueprints", form)
    page = officer.get("/officer/blueprints?industry=coal_mine&category=manager").get_data(as_text=True)
    assert 'id="pass_mark" name="pass_mark" required type="number" value="85"' in page or 'value="85"' in page
