"""Item statistics through the app: a sitting's sheets are measured when its results are published,
the figures are stored per question version, flagged questions wait in the review queue, and the
officers' pages and exports show them (and nobody else sees them)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.exams.grading import paper_seat_variant
from examsvc.exams.models import Attempt, Sitting
from examsvc.itemstats.models import PaperStat
from examsvc.itemstats.service import measure_sitting
from examsvc.papers.composition import seed_of
from examsvc.papers.models import Paper
from examsvc.papers.service import read_paper
from examsvc.papers.variants import LETTERS
from examsvc.questions.cipher import BankCipher
from examsvc.questions.models import ItemStat, ReviewItem

from .conftest import schedule_sitting
from .helpers import Client, post_sitting
from .paper_helpers import approved_class
from .tablet_helpers import close_sitting, enrollments, enter

PEOPLE = 12
ITEM_COLUMNS = (
    "question_id",
    "version_id",
    "sitting_starts_at",
    "n",
    "facility",
    "discrimination",
    "measures",
)


@pytest.fixture
def config_overrides():  # type: ignore[no-untyped-def]
    return {"item_stats_min_sample": 10}  # a small class is enough to flag, for a quick test


def _paper(app, sitting):  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        paper = s.scalar(
            select(Paper).where(Paper.class_id == sitting.class_id, Paper.sitting == sitting.kind)
        )
        payload = read_paper(BankCipher(s, app.extensions["examsvc.keys"]), paper)
        return payload, seed_of(payload, paper.seed)


def _token(question, printed, right: bool, rng: random.Random) -> str:  # type: ignore[no-untyped-def]
    """One answer on a seat's sheet: right, or a wrong option chosen at random."""
    if question["type"] == "truefalse":
        return "对" if (question["answer"] == "true") == right else "错"
    key = set(question["answer"])
    if right:
        chosen = key
    elif question["type"] == "single":
        chosen = {rng.choice(sorted(set(question["options"]) - key))}
    else:
        chosen = {sorted(key)[0]}  # an incomplete answer is wrong
    return "".join(sorted(LETTERS[printed.options.index(c)] for c in chosen))


def _sheet(payload, seed, seat: int, ability: float, rng: random.Random) -> str:  # type: ignore[no-untyped-def]
    """Question 0 of the paper right on every sheet (too easy); question 1 right only on the
    weakest sheets (negative discrimination); the rest right with the candidate's ability."""
    variant = paper_seat_variant(payload, seed, seat)
    tokens = []
    for printed in variant.questions:
        if printed.index == 0:
            right = True
        elif printed.index == 1:
            right = ability < 0.3
        else:
            right = rng.random() < ability
        tokens.append(_token(payload["questions"][printed.index], printed, right, rng))
    return " ".join(tokens)


@pytest.fixture
def published(app, world, officer, tablet):  # type: ignore[no-untyped-def]
    class_id = approved_class(app, world, title="统计测试班", people=PEOPLE)
    sitting = schedule_sitting(app, officer, class_id, "first")
    payload, seed = _paper(app, sitting)
    rng = random.Random(11)
    for seat, enrollment_id in enumerate(enrollments(app, sitting), start=1):
        sheet = _sheet(payload, seed, seat, ability=seat / (PEOPLE + 1), rng=rng)
        enter(app, tablet, sitting, enrollment_id, seat, sheet=sheet)
    close_sitting(app, tablet, officer, sitting)
    return sitting, payload


def test_publishing_measures_every_question_and_queues_the_flagged(app, published):
    sitting, payload = published
    questions = payload["questions"]
    with app.app_context():
        s = db_session()
        stat = s.scalar(select(PaperStat).where(PaperStat.sitting_id == sitting.id))
        assert stat is not None and stat.n == PEOPLE
        rows = {r.version_id: r for r in s.scalars(select(ItemStat).where(ItemStat.sitting_id == sitting.id))}
        assert set(rows) == {q["version_id"] for q in questions}
        easy, reversed_ = rows[questions[0]["version_id"]], rows[questions[1]["version_id"]]
        assert easy.facility == 1.0 and "too_easy" in easy.flags
        assert reversed_.discrimination is not None and reversed_.discrimination < 0
        assert "negative_discrimination" in reversed_.flags
        queued = {item.version_id: item for item in s.scalars(select(ReviewItem))}
        assert {questions[0]["version_id"], questions[1]["version_id"]} <= set(queued)
        assert all(item.state == "open" for item in queued.values())
        scores = [
            a.score_tenths / 10 for a in s.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))
        ]
    figures = json.loads(stat.measures)
    assert figures["mean"] == pytest.approx(sum(scores) / len(scores), abs=1e-3)  # the same totals as grading


def test_measuring_again_replaces_the_figures_and_queues_nothing_twice(app, officer, published):
    sitting, _ = published
    with app.app_context():
        before = db_session().scalar(select(func.count()).select_from(ReviewItem))
    assert officer.post(f"/officer/stats/sittings/{sitting.id}/measure", {}).status_code == 302
    with app.app_context():
        s = db_session()
        assert s.scalar(
            select(func.count()).select_from(ItemStat).where(ItemStat.sitting_id == sitting.id)
        ) == len(published[1]["questions"])
        assert s.scalar(select(func.count()).select_from(ReviewItem)) == before


def test_the_pages_and_the_export_show_the_figures(app, officer, published):
    sitting, payload = published
    overview = officer.get("/officer/stats/").get_data(as_text=True)
    assert sitting.training_class.code in overview
    page = officer.get(f"/officer/stats/sittings/{sitting.id}").get_data(as_text=True)
    assert "<svg" in page and "KR-20" in page
    exported = officer.get(f"/officer/stats/sittings/{sitting.id}.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + len(payload["questions"])
    assert "too_easy" in rows[1][-1]
    with app.app_context():
        question_id = db_session().scalar(
            select(ItemStat.question_id).where(ItemStat.version_id == payload["questions"][0]["version_id"])
        )
    assert "<polyline" in officer.get(f"/officer/stats/questions/{question_id}").get_data(as_text=True)
    review = officer.get("/bank/review/").get_data(as_text=True)
    assert "Too easy" in review or "过于容易" in review


def test_only_officers_see_the_figures(app, world, published, school, tablet):
    sitting, _ = published
    for client in (school, tablet, Client(app)):
        for path in (f"/officer/stats/sittings/{sitting.id}", f"/officer/stats/sittings/{sitting.id}.csv"):
            assert client.get(path).status_code in {302, 403, 404}


def test_the_command_line_measures_what_was_published_before(app, published):
    sitting, _ = published
    with app.app_context():
        s = db_session()
        s.execute(delete(ItemStat))
        s.execute(delete(PaperStat))
        s.commit()
    result = app.test_cli_runner().invoke(main, ["stats", "measure"])
    assert result.exit_code == 0 and "measured 1 sittings" in result.output
    assert "measured 0 sittings" in app.test_cli_runner().invoke(main, ["stats", "measure"]).output
    assert "measured 1 sittings" in app.test_cli_runner().invoke(main, ["stats", "measure", "--all"]).output
    with app.app_context():
        assert db_session().scalar(select(PaperStat.n).where(PaperStat.sitting_id == sitting.id)) == PEOPLE


def test_small_sittings_add_up_to_the_minimum_sample(app, world, officer, published):
    """Most classes have fewer than 30 candidates: a version is flagged once the sittings that
    measured it reach the minimum together, never on one small sitting alone."""
    sitting, payload = published
    easy = payload["questions"][0]["version_id"]
    config = dataclasses.replace(app.config["EXAMSVC"], item_stats_min_sample=2 * PEOPLE)
    other_class = approved_class(app, world, title="另一班", people=1, first_person=PEOPLE + 1)
    post_sitting(officer, other_class, app.extensions["examsvc.clock"].now() + timedelta(days=3))
    with app.app_context():
        s = db_session()
        s.execute(delete(ReviewItem))
        cipher = BankCipher(s, app.extensions["examsvc.keys"])
        now = app.extensions["examsvc.clock"].now()
        assert measure_sitting(s, cipher, s.get(Sitting, sitting.id), config, now).queued == 0  # 12 < 24
        other = s.scalar(select(Sitting).where(Sitting.class_id == other_class))
        for row in s.scalars(select(ItemStat).where(ItemStat.sitting_id == sitting.id)).all():
            # as if the other class's sitting had drawn the same versions, with the same answers
            copied = {c: getattr(row, c) for c in ITEM_COLUMNS}
            s.add(ItemStat(**copied, sitting_id=other.id))
        s.flush()
        assert measure_sitting(s, cipher, s.get(Sitting, sitting.id), config, now).queued >= 1
        item = s.scalar(select(ReviewItem).where(ReviewItem.version_id == easy))
        flag = next(f for f in json.loads(item.flags) if f["code"] == "too_easy")
        assert (flag["n"], flag["sittings"]) == (2 * PEOPLE, 2)
        s.rollback()
