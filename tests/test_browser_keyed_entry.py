"""Real browser, a tablet held sideways with a keyboard: a whole answer sheet typed without separators,
in groups of five (static/keyed.js), reaching the server as the same typed string as ever."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examsvc.core.db import db_session
from examsvc.exams.models import Attempt, Sitting

from .test_browser import browser, live_server, sign_in  # noqa: F401 (fixtures)
from .test_browser_exam_day import _check_in, _roster

pytestmark = pytest.mark.browser
LANDSCAPE = {"width": 1024, "height": 768}
SENT = "Sent to the server."
# What a proctor types per true/false answer, and the token the widget writes for it.
TRUE_FALSE = [
    ("T", "对"),
    ("F", "错"),
    ("t", "对"),
    ("f", "错"),
    ("1", "对"),
    ("0", "错"),
    ("y", "对"),
    ("x", "错"),
]
MULTIPLE_ENDS = [" ", "Enter", ".", "/"]


def _open(chromium, base):  # type: ignore[no-untyped-def]
    """The proctor's sitting page, in English (the position line's words are the msgids)."""
    with base.app.app_context():
        sitting_id = db_session().scalar(select(Sitting.id).where(Sitting.status == "scheduled"))
    context = chromium.new_context(viewport=LANDSCAPE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, base, "proctor")
    page.click("button[value=en]")
    page.wait_for_load_state()
    page.goto(f"{base}/proctor/sittings/{sitting_id}")
    return context, page, errors, sitting_id


def _plan(layout: list[list[str]]) -> list[tuple[list[str], str]]:
    """Per printed question: the keys pressed, and the token the field should then hold."""
    plan: list[tuple[list[str], str]] = []
    counters = {"truefalse": 0, "single": 0, "multiple": 0}
    for kind, marks in layout:
        assert kind == "truefalse" or set(marks) >= set("ABC")  # every letter typed below is printed
        n = counters[kind]
        counters[kind] += 1
        if kind == "truefalse":
            key, token = TRUE_FALSE[n % len(TRUE_FALSE)]
            plan.append(([" "], "-") if n == 9 else ([key], token))  # one left blank with Space
        elif kind == "single":
            letter = "ABC"[n % 3]
            plan.append((["-"], "-") if n == 4 else ([letter.lower() if n % 2 else letter], letter))
        elif n == 0:  # a letter typed again is taken away: A, C, A, B -> BC
            plan.append((["a", "C", "A", "b", " "], "BC"))
        elif n == 3:
            plan.append(([" "], "-"))  # Space alone: a multiple-choice question left blank
        else:
            letters = ["AB", "BC", "AC", "ABC"][n % 4]
            plan.append(([*letters, MULTIPLE_ENDS[n % len(MULTIPLE_ENDS)]], letters))
    return plan


def _press(page, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    for key in keys:
        page.keyboard.press(key)


def _field(row) -> str:  # type: ignore[no-untyped-def]
    return row.locator("form.sheet input[name=answers]").input_value()


def _stored_answers(app, sitting_id: int, enrollment: int) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(
            select(Attempt.answers).where(
                Attempt.sitting_id == sitting_id, Attempt.enrollment_id == enrollment
            )
        )


def test_a_whole_sheet_typed_with_the_keyboard_alone(live_server, browser):  # noqa: F811
    app, base = live_server.app, live_server
    context, page, errors, sitting_id = _open(browser, base)
    enrollment = _roster(app, sitting_id)[0]
    row = page.locator(f"#candidate-{enrollment}")
    layout = json.loads(page.get_attribute("#tablet", "data-layout"))
    count = len(layout)
    kinds = [kind for kind, _ in layout]
    assert {"truefalse", "single", "multiple"} <= set(kinds) and count >= 20
    plan = _plan(layout)

    _check_in(page, enrollment, seat=1)
    expect(row.locator("form.sheet")).to_be_visible()
    expect(row.locator(".entry-state")).to_have_text(SENT, timeout=40_000)
    sheet = row.locator(".keyed-sheet")
    position = row.locator(".keyed-position")
    hint = row.locator(".keyed-hint")
    # Shown in groups of five, as printed; reached with Tab from the Save button, no mouse.
    expect(sheet.locator(".keyed-range").first).to_have_text("1–5")
    expect(sheet.locator(".keyed-range")).to_have_count((count + 4) // 5)
    row.locator("form.sheet button[type=submit]").focus()
    page.keyboard.press("Tab")
    expect(sheet).to_be_focused()
    expect(position).to_have_text(f"Question 1 of {count} · {count} left")

    # A group of five typed off the sheet in one go (TFTFT), then two more answers.
    page.keyboard.type("".join(key for keys, _ in plan[:5] for key in keys))
    _press(page, plan[5][0] + plan[6][0])
    typed = 7
    expect(position).to_have_text(f"Question 8 of {count} · {count - 7} left")
    assert _field(row) == " ".join(token for _, token in plan[:7])
    expect(sheet.locator(".keyed-cell.current")).to_have_attribute("data-index", "7")

    def type_up_to(stop: int) -> None:
        nonlocal typed
        for keys, _ in plan[typed:stop]:
            _press(page, keys)
        typed = stop

    # A letter the question cannot carry is refused with a hint, and nothing is stored: a letter on
    # a true/false question (the paper opens with them), a letter past the printed ones, a digit.
    assert kinds[typed] == "truefalse"
    before = _field(row)
    page.keyboard.press("B")
    expect(hint).to_be_visible()
    expect(hint).to_have_text(re.compile(r"^Question 8 is true/false: .* B was not entered\.$"))
    assert _field(row) == before
    expect(position).to_have_text(f"Question 8 of {count} · {count - 7} left")
    single = kinds.index("single", typed)
    type_up_to(single)
    marks = layout[single][1]
    beyond = chr(ord(marks[-1]) + 1)  # E on a question printed with A-D
    before = _field(row)
    page.keyboard.press(beyond.lower())
    expect(hint).to_have_text(f"Question {single + 1} takes only {marks}: {beyond} was not entered.")
    assert _field(row) == before
    page.keyboard.press("5")  # not a letter at all: refused as well
    expect(hint).to_contain_text("5 was not entered")
    assert _field(row) == before

    # A wrong answer fixed with Backspace: back to the question, which is empty again.
    right = plan[single][1]
    wrong = next(letter for letter in "ABC" if letter != right)
    page.keyboard.press(wrong)
    expect(hint).to_be_hidden()  # an accepted key clears the hint
    assert _field(row).split()[-1] == wrong
    expect(position).to_have_text(f"Question {single + 2} of {count} · {count - single - 1} left")
    page.keyboard.press("Backspace")
    expect(position).to_have_text(f"Question {single + 1} of {count} · {count - single} left")
    assert _field(row) == before
    typed = single  # the plan goes on from here, typing the right letter

    # The multiple-choice questions: letters ended by Space, Enter, . or /; a letter typed again goes.
    multiple = kinds.index("multiple")
    type_up_to(multiple + 1)
    assert _field(row).split()[multiple] == "BC"
    half = (typed + count) // 2
    type_up_to(half)
    expect(position).to_have_text(f"Question {half + 1} of {count} · {count - half} left")
    current = sheet.locator(".keyed-cell.current")
    expect(current).to_be_in_viewport()  # the current position scrolls into view
    type_up_to(count)
    expect(position).to_have_text(f"End of the sheet ({count} questions) · 0 left · Enter saves")
    page.keyboard.press("C")  # past the last question
    expect(hint).to_have_text(f"The sheet has {count} questions: C was not entered.")
    expected = " ".join(token for _, token in plan)
    assert _field(row) == expected
    expect(sheet.locator(".keyed-cell.current")).to_be_in_viewport()

    # Groups of five on screen, and the touch grid (tablet.js) follows what was typed.
    group = sheet.locator(".keyed-group").first
    shown = "".join(token for _, token in plan[:5])
    expect(group).to_have_text("1–5" + shown)
    row.locator("button.grid-toggle").click()
    first_true = kinds.index("truefalse")
    mark = plan[first_true][1]
    expect(
        row.locator(f".answer-grid .q[data-index='{first_true}'] button[data-mark='{mark}']")
    ).to_have_class(re.compile("primary"))
    row.locator("button.grid-toggle").click()

    # Enter at the end saves: the same typed string, through the outbox, to the server.
    sheet.focus()
    page.keyboard.press("End")
    with page.expect_response(lambda r: r.url.endswith(f"/candidates/{enrollment}/result")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(row.locator(".entry-state")).to_have_text(SENT, timeout=40_000)
    assert _stored_answers(app, sitting_id, enrollment) == expected
    assert errors == []
    context.close()


def test_typing_in_the_plain_field_updates_the_widget(live_server, browser):  # noqa: F811
    app, base = live_server.app, live_server
    context, page, errors, sitting_id = _open(browser, base)
    enrollment = _roster(app, sitting_id)[1]
    row = page.locator(f"#candidate-{enrollment}")
    layout = json.loads(page.get_attribute("#tablet", "data-layout"))
    count = len(layout)
    plan = _plan(layout)
    _check_in(page, enrollment, seat=2)
    expect(row.locator("form.sheet")).to_be_visible()
    sheet = row.locator(".keyed-sheet")
    position = row.locator(".keyed-position")
    cells = sheet.locator(".keyed-cell:not(.keyed-end)")

    field = row.locator("form.sheet input[name=answers]")
    field.click()
    tokens = [token for _, token in plan[:3]]
    field.press_sequentially(" ".join(tokens))
    expect(position).to_have_text(f"Question 4 of {count} · {count - 3} left")
    for index, token in enumerate(tokens):
        expect(cells.nth(index)).to_have_text(token)
    expect(cells.nth(3)).to_have_class(re.compile(r"\bcurrent\b"))

    # Typed the way the server also reads it (T for 对, lower case, commas): shown as the server reads it.
    kinds = [kind for kind, _ in layout]
    loose = {"truefalse": "t", "single": "b", "multiple": "ca"}
    field.fill(",".join(loose[kind] for kind in kinds[:5]))
    shown = {"truefalse": "对", "single": "B", "multiple": "CA"}
    for index, kind in enumerate(kinds[:5]):
        expect(cells.nth(index)).to_have_text(shown[kind])
    expect(position).to_have_text(f"Question 6 of {count} · {count - 5} left")

    # The widget goes on from there, and writes the field in the server's format.
    sheet.focus()
    _press(page, plan[5][0])
    assert field.input_value().split() == [loose[kind] for kind in kinds[:5]] + [plan[5][1]]
    expect(position).to_have_text(f"Question 7 of {count} · {count - 6} left")

    # A tap on the touch grid (tablet.js sets the field without an event) shows in the widget too.
    row.locator("button.grid-toggle").click()
    index, mark = 6, layout[6][1][1]
    row.locator(f".answer-grid .q[data-index='{index}'] button[data-mark='{mark}']").click()
    expect(cells.nth(index)).to_have_text(mark)
    expect(position).to_contain_text(" · 0 left")  # the grid writes every question, blank or not
    row.locator("button.grid-toggle").click()

    # A click on a question jumps there.
    cells.nth(9).click()
    expect(sheet).to_be_focused()
    expect(position).to_contain_text(f"Question 10 of {count}")
    expect(cells.nth(9)).to_have_class(re.compile(r"\bcurrent\b"))

    # A letter the question cannot carry, typed into the plain field, is marked in the widget.
    field.fill("Z")
    expect(cells.nth(0)).to_have_class(re.compile(r"\binvalid\b"))
    # Too many answers in the field are pointed out.
    field.fill(" ".join(["-"] * (count + 2)))
    expect(position).to_contain_text(f"The field holds {count + 2} answers for {count} questions")
    assert errors == []
    context.close()
