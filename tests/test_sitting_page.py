"""Issue 24: the sitting page is built once per version of what it shows (exams/sitting_page.py).
Each test fails without one guard: the version follows every change, the kept part never reaches a
proctor who may not see it, and what is per user or per response is never shared."""

from __future__ import annotations

import re
from datetime import timedelta

from examsvc.exams.sitting_page import SLOTS, PageCache, fill, split

from .conftest import PASSWORD, schedule_sitting
from .helpers import Client
from .paper_helpers import approved_class
from .tablet_helpers import add_proctor, base, call, enrollments

KEYS = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')


def page(client, sitting, **headers):  # type: ignore[no-untyped-def]
    return client.get(f"/proctor/sittings/{sitting.id}", headers=headers)


def builds(app) -> int:  # type: ignore[no-untyped-def]
    return app.extensions["examsvc.sitting_pages"].builds


def second_proctor(app) -> Client:  # type: ignore[no-untyped-def]
    client = Client(app)
    client.login("proctor2", PASSWORD)
    return client


def test_proctors_opening_together_cost_one_build_and_a_check_in_makes_a_new_version(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    other = second_proctor(app)
    for client in (tablet, other, tablet, other):
        assert page(client, sitting).status_code == 200
    assert builds(app) == 1
    assert (
        call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 2}).status_code
        == 200
    )
    html = page(other, sitting).get_data(as_text=True)
    row = html.split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert 'data-version="1"' in row and 'name="seat_no" min="1" value="2"' in row  # the new state
    assert builds(app) == 2
    moved = {"presence": "present", "seat_no": 3, "version": 1}  # the same attempt, changed
    assert call(tablet, f"{base(sitting, first)}/check-in", moved).status_code == 200
    row = page(other, sitting).get_data(as_text=True).split(f'id="candidate-{first}"')[1].split("</tr>")[0]
    assert 'data-version="2"' in row and 'name="seat_no" min="1" value="3"' in row


def test_the_kept_page_never_reaches_a_proctor_of_another_sitting(app, world, sitting, tablet):
    name = "学员"
    html = page(tablet, sitting).get_data(as_text=True)  # kept now
    assert 'id="tablet"' in html
    add_proctor(app, world, "proctor9")
    stranger = Client(app)
    stranger.login("proctor9", PASSWORD)
    refused = page(stranger, sitting)
    assert refused.status_code == 404 and 'id="tablet"' not in refused.get_data(as_text=True)
    assert name not in refused.get_data(as_text=True)
    etag = page(tablet, sitting).headers["ETag"].strip('"')
    assert page(stranger, sitting, **{"If-None-Match": f'"{etag}"'}).status_code == 404  # not a 304


def secret(token: str) -> str:
    return token.split(".", 1)[0]


def test_per_user_parts_are_filled_per_response(app, sitting, tablet):
    """The confirm button is for the second proctor only; each gets their own CSRF token and user id,
    and every response new idempotency keys, from the same kept version."""
    first = enrollments(app, sitting)[0]
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    other = second_proctor(app)
    mine, theirs = page(tablet, sitting).get_data(as_text=True), page(other, sitting).get_data(as_text=True)
    assert builds(app) == 1
    confirm = f"/candidates/{first}/confirm"
    assert confirm not in mine and confirm in theirs  # never confirm one's own entry
    # A CSRF token is the session's secret signed with a time stamp: compare the secret, not the second.
    assert {secret(t) for t in TOKENS.findall(mine)} == {secret(tablet.token("/proctor"))}
    assert {secret(t) for t in TOKENS.findall(theirs)} == {secret(other.token("/proctor"))}
    assert secret(tablet.token("/proctor")) != secret(other.token("/proctor"))
    again = page(tablet, sitting).get_data(as_text=True)
    keys, keys_again = KEYS.findall(mine), KEYS.findall(again)
    assert keys and len(set(keys)) == len(keys) and not set(keys) & set(keys_again)
    assert "\x1e" not in mine + theirs  # every slot filled


def test_if_none_match_answers_304_only_for_the_same_user_version_and_no_message(app, sitting, tablet):
    first = enrollments(app, sitting)[0]
    shown = page(tablet, sitting)
    etag = shown.headers["ETag"]
    assert "no-cache" in shown.headers["Cache-Control"] and "private" in shown.headers["Cache-Control"]
    again = page(tablet, sitting, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert page(second_proctor(app), sitting, **{"If-None-Match": etag}).status_code == 200  # another user
    call(tablet, f"{base(sitting, first)}/check-in", {"presence": "absent"})
    changed = page(tablet, sitting, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # A refused HTML form flashes its reason: the page after it is rendered, even if nothing changed.
    etag = changed.headers["ETag"]
    path = f"/proctor/sittings/{sitting.id}"
    tablet.post(f"{base(sitting, first)}/check-in", {"presence": "nonsense", "version": "9"}, page=path)
    flashed = page(tablet, sitting, **{"If-None-Match": etag})
    assert flashed.status_code == 200 and 'class="flash error"' in flashed.get_data(as_text=True)


def test_nothing_opens_before_the_start_and_the_kept_page_follows_the_clock(app, world, officer):
    """The phase is part of the version: the page kept before the start is not shown after it."""
    sitting = schedule_sitting(app, officer, approved_class(app, world), "first", started=False)
    tablet = Client(app)
    tablet.login("proctor1", PASSWORD)
    before = page(tablet, sitting).get_data(as_text=True)
    assert "phase-released" in before and 'id="lock-sitting"' not in before
    first = enrollments(app, sitting)[0]
    refused = call(tablet, f"{base(sitting, first)}/check-in", {"presence": "present", "seat_no": 1})
    assert refused.status_code == 409  # nothing of a sitting happens before it starts
    app.extensions["examsvc.clock"].advance(timedelta(minutes=15))  # the sitting starts
    assert 'id="lock-sitting"' in page(tablet, sitting).get_data(as_text=True)


def test_the_language_is_part_of_the_version(app, sitting, tablet):
    english = page(tablet, sitting).get_data(as_text=True)
    tablet.post("/language", {"lang": "zh", "next": f"/proctor/sittings/{sitting.id}"}, page="/proctor")
    chinese = page(tablet, sitting).get_data(as_text=True)
    assert english.split('id="tablet"')[1] != chinese.split('id="tablet"')[1]


def test_fill_leaves_out_the_confirm_form_for_its_author_and_a_name_cannot_forge_a_slot():
    kept = split(
        f"<a>{SLOTS.user}</a>{SLOTS.unless_entered_by(7)}<form>{SLOTS.csrf}{SLOTS.key}</form>{SLOTS.end}"
        f"<i>{SLOTS.key}</i>\x1ecsrf\x1e"
    )
    for_author, for_other = fill(kept, "TOKEN", 7), fill(kept, "TOKEN", 8)
    assert for_author.startswith("<a>7</a><i>") and "<form>" not in for_author
    assert for_other.startswith("<a>8</a><form>TOKEN") and for_other.count("TOKEN") == 1
    assert "\x1ecsrf\x1e" in for_author  # a look-alike typed into a name stays text


def test_the_cache_builds_a_version_once_and_forgets_the_oldest():
    cache, made = PageCache(size=2), []

    def build(n: int):  # type: ignore[no-untyped-def]
        return lambda: made.append(n) or (str(n),)

    for n in (1, 1, 2, 1, 3):
        cache.get((1, str(n)), build(n))
    assert made == [1, 2, 3] and cache.builds == 3
    cache.get((1, "2"), build(2))  # the least recently used, forgotten when 3 came
    assert made == [1, 2, 3, 2]
