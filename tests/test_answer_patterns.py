"""Copied answers: two candidates who chose the same wrong options (in different seat orders) are listed
as a pair; honest wrong answers that differ are not."""

from __future__ import annotations

from sqlalchemy import select

from examsvc.classes.models import Enrollment
from examsvc.core.db import db_session, utcnow
from examsvc.exams.grading import key_sheet, paper_seat_key, paper_seat_variant
from examsvc.exams.models import Sitting
from examsvc.exams.service import paper_of
from examsvc.oversight.copying import Pair, Patterns, suspicious_pairs
from examsvc.oversight.institutions import pattern_flags
from examsvc.papers.composition import seed_of
from examsvc.papers.service import open_paper_for_grading
from examsvc.papers.variants import LETTERS
from examsvc.questions.cipher import BankCipher

from .conftest import second_officer_client
from .tablet_helpers import close_sitting, correct, enrollments, enter


def _sheet(app, sitting, seat: int, wrong_option_of: dict[int, str]) -> str:  # type: ignore[no-untyped-def]
    """The right sheet of this seat, except for the given questions (paper order -> canonical option),
    typed in this seat's printed order and letters."""
    with app.app_context():
        s = db_session()
        paper = paper_of(s, s.get(Sitting, sitting.id))
        payload = open_paper_for_grading(BankCipher(s, app.extensions["examsvc.keys"]), paper, utcnow())
        key, variant = (
            paper_seat_key(payload, seed_of(payload, paper.seed), seat),
            paper_seat_variant(payload, seed_of(payload, paper.seed), seat),
        )
        tokens = key_sheet(key).split()
        for n, printed in enumerate(variant.questions):
            if printed.index in wrong_option_of:
                tokens[n] = LETTERS[printed.options.index(wrong_option_of[printed.index])]
        return " ".join(tokens)


def _wrong_choices(app, sitting, count: int, pick: int) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """`count` single-choice questions of the paper, each with one of its wrong options (the `pick`-th)."""
    with app.app_context():
        s = db_session()
        paper = paper_of(s, s.get(Sitting, sitting.id))
        payload = open_paper_for_grading(BankCipher(s, app.extensions["examsvc.keys"]), paper, utcnow())
    chosen = {}
    for index, q in enumerate(payload["questions"]):
        if q["type"] == "single" and len(chosen) < count:
            wrong = sorted(k for k in q["options"] if k != q["answer"])
            chosen[index] = wrong[pick % len(wrong)]
    return chosen


def _published_with_a_copied_pair(app, sitting, tablet, officer) -> list[int]:  # type: ignore[no-untyped-def]
    """Seats 1 and 2 chose the same eight wrong options, seat 3 others; published. The enrollments."""
    first, second, third = enrollments(app, sitting)
    copied, other = _wrong_choices(app, sitting, 8, 0), _wrong_choices(app, sitting, 8, 1)
    for enrollment, seat, wrong in ((first, 1, copied), (second, 2, copied), (third, 3, other)):
        enter(app, tablet, sitting, enrollment, seat, sheet=_sheet(app, sitting, seat, wrong))
    close_sitting(app, tablet, officer, sitting)
    return [first, second, third]


def test_copied_wrong_answers_are_listed_with_their_seats(app, world, sitting, tablet, officer):
    first, second, third = _published_with_a_copied_pair(app, sitting, tablet, officer)
    html = officer.get(f"/officer/institutions/{world.institution}/patterns").get_data(as_text=True)
    assert f'id="patterns-{sitting.class_id}"' in html
    assert html.count('data-label="相同的错误答案"') == 1  # one pair: seats 1 and 2
    assert 'data-label="相同的错误答案">8</td>' in html  # all eight; seat 3 chose other wrong options
    with app.app_context():
        by_id = {  # PostgreSQL returns rows in no promised order: name them by enrolment
            e.id: e.trainee.name
            for e in db_session().scalars(select(Enrollment).where(Enrollment.id.in_([first, second, third])))
        }
        names = [by_id[first], by_id[second], by_id[third]]
    assert names[0] in html and names[1] in html and names[2] not in html
    listed = officer.get("/officer/institutions/").get_data(as_text=True)
    assert f'id="pattern-flag-{world.institution}"' in listed  # the list raises it without opening the page
    assert "相同错误答案雷同：1 对座位，涉及已核查 1 场中的 1 场" in listed
    assert f'href="/officer/institutions/{world.institution}/patterns"' in listed
    assert f'id="pattern-flag-{world.other_institution}"' not in listed


def test_each_sitting_is_checked_once_until_a_correction(app, world, sitting, tablet, officer, monkeypatch):
    from examsvc.exams.models import Attempt
    from examsvc.oversight import copying

    from .tablet_helpers import right_answers

    _, second, _ = _published_with_a_copied_pair(app, sitting, tablet, officer)
    openings: list[int] = []
    opener = copying.open_paper_for_grading
    monkeypatch.setattr(copying, "open_paper_for_grading", lambda *a: openings.append(1) or opener(*a))

    flag = f'id="pattern-flag-{world.institution}"'
    for _ in range(2):
        assert flag in officer.get("/officer/institutions/").get_data(as_text=True)
    assert len(openings) == 1  # the second visit used the kept finding
    with app.app_context():
        assert db_session().get(Sitting, sitting.id).suspicious_pairs == 1
        seat_2 = db_session().scalar(select(Attempt.id).where(Attempt.enrollment_id == second))
    fix = {
        "presence": "present",
        "seat_no": "2",
        "answers": right_answers(app, sitting, 2),
        "reason": "录入错误",
    }
    correct(app, officer, second_officer_client(app, world), sitting, seat_2, fix)
    listed = officer.get("/officer/institutions/").get_data(as_text=True)
    assert len(openings) == 2 and flag not in listed  # looked at again, and the pair is gone
    patterns = officer.get(f"/officer/institutions/{world.institution}/patterns")
    assert patterns.status_code == 200 and len(openings) == 2  # a sitting found clean is not opened again


def test_honest_wrong_answers_raise_no_flag_on_the_institutions_list(app, world, sitting, tablet, officer):
    for n, (enrollment, pick) in enumerate(zip(enrollments(app, sitting), (0, 1, 2), strict=True), 1):
        enter(
            app,
            tablet,
            sitting,
            enrollment,
            n,
            sheet=_sheet(app, sitting, n, _wrong_choices(app, sitting, 8, pick)),
        )
    close_sitting(app, tablet, officer, sitting)
    listed = officer.get("/officer/institutions/").get_data(as_text=True)
    assert f'id="institution-{world.institution}"' in listed and "pattern-flag-" not in listed


def test_only_officers_check_answer_patterns(app, world, school):
    assert school.get(f"/officer/institutions/{world.institution}/patterns").status_code == 403


def test_pairs_need_enough_identical_wrong_answers():
    shared = frozenset((i, "A") for i in range(6))
    sheets = {
        1: shared | {(20, "B")},
        2: shared,
        3: frozenset((i, "C") for i in range(6)),  # wrong on the same questions, other options
        4: frozenset((i, "A") for i in range(4)),  # only four in common with 1 and 2
    }
    assert suspicious_pairs(sheets) == [Pair(1, 2, 6, 7, 6)]
    assert suspicious_pairs({1: shared | frozenset((i, "B") for i in range(10, 20)), 2: shared}) == [
        Pair(1, 2, 6, 16, 6)
    ]  # 6 of the smaller set's 6
    assert suspicious_pairs({}) == []


def test_the_pattern_flag_carries_its_evidence():
    (flag,) = pattern_flags({1: Patterns(3, 0, 0), 2: Patterns(4, 2, 3)})
    assert flag.org_id == 2 and flag.params == {"pairs": 3, "sittings": 2, "checked": 4}
