"""From a page to a candidate's entry. Functions flush and never commit.

A page is read, placed (this sitting, this paper, a candidate checked in at its seat) and then:
entered as the candidate's sheet when nothing on it is uncertain; kept for a person when something
is; kept as a duplicate when the seat already has a reading or an entry (never two results); kept
unplaced, with the reason, when it cannot be placed. The proctor who uploads or decides is the one
who entered it, so a second proctor confirms, as for a typed sheet (exams/closing.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..auth.models import User
from ..classes.models import Enrollment
from ..core.crypto import aead
from ..core.keyring import Keyring
from ..core.msgid import N_, RuleError
from ..exams.errors import ResultError
from ..exams.lifecycle import Act, gate
from ..exams.models import Attempt, Sitting
from ..exams.results import enter_result
from ..exams.service import is_assigned, paper_of
from ..papers.pdf import paper_tag
from ..papers.service import PaperSealed, open_paper_for_grading
from ..papers.sheet_layout import SheetId, mark_rows
from ..questions.cipher import BankCipher
from .models import IN_FORCE, AnswerScan
from .pages import Page, gray_of_jpeg, jpeg_of
from .reader import PageReading, RowsFor, SheetUnreadable, read_page


def may_scan(session: Session, user: User, sitting: Sitting, now: datetime) -> None:
    if not is_assigned(session, sitting, user):
        raise ResultError(N_("You are not assigned to this sitting."), status=404)
    gate(sitting, Act.ENTER, now)
    if sitting.marking != "sheet":
        raise ResultError(
            N_("This sitting is marked by hand: type each candidate's total score."), status=409
        )


def sheet_rows(session: Session, cipher: BankCipher, sitting: Sitting, now: datetime) -> RowsFor:
    """The rows of this sitting's sheets; a sheet of another class, sitting or paper is refused."""
    paper = paper_of(session, sitting)
    if paper is None:
        raise ResultError(N_("Paper not found."), status=404)
    try:
        payload = open_paper_for_grading(cipher, paper, now)
    except PaperSealed as exc:
        raise ResultError(str(exc), status=409, **exc.params) from exc
    rows = mark_rows(payload["questions"])

    def rows_for(sheet: SheetId) -> list[tuple[str, str]]:
        if sheet.class_code != sitting.training_class.code or sheet.kind != sitting.kind:
            raise SheetUnreadable(
                N_("This sheet is %(serial)s, of another class or sitting."), serial=sheet.serial
            )
        if sheet.paper_tag != paper_tag(paper):
            raise SheetUnreadable(N_("This sheet was printed from another version of the paper."))
        if not 1 <= sheet.seat <= paper.seats:
            raise SheetUnreadable(N_("Seat %(seat)d is not on this paper."), seat=sheet.seat)
        return rows

    return rows_for


def accept(
    session: Session,
    keyring: Keyring,
    cipher: BankCipher,
    actor: Actor,
    user: User,
    sitting: Sitting,
    page: Page,
    source: str,
    rows_for: RowsFor,
    now: datetime,
) -> AnswerScan:
    """Keep one page and do with it what its reading allows. A page that is not a readable sheet of
    this sitting is kept unplaced when scanned (the batch shows it), refused when photographed (the
    tablet shows why, and the proctor takes it again)."""
    jpeg = jpeg_of(page.gray)
    digest = hashlib.sha256(jpeg).hexdigest()
    scan = AnswerScan(sitting_id=sitting.id, source=source, page_label=page.label[:160], digest=digest)
    scan.sealed = aead.seal(keyring.personal_data, jpeg, _aad(sitting.id, digest))
    scan.uploaded_by, scan.uploaded_at, scan.state = user.id, now, "unmatched"
    try:
        reading = read_page(page.gray, rows_for)
    except SheetUnreadable as exc:
        if source == "camera":
            raise ResultError(str(exc), status=422, **exc.params) from exc
        _say(scan, exc)
        return _saved(session, actor, scan)
    _place(session, cipher, actor, user, sitting, scan, reading, now)
    return scan


def _place(
    session: Session,
    cipher: BankCipher,
    actor: Actor,
    user: User,
    sitting: Sitting,
    scan: AnswerScan,
    reading: PageReading,
    now: datetime,
) -> None:
    """Keep the reading, then enter it, hold it for a person, or keep it aside, as the seat allows."""
    scan.seat_no, scan.reading = reading.sheet.seat, json.dumps(reading_json(reading), ensure_ascii=False)
    attempt = session.scalar(
        select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.seat_no == scan.seat_no)
    )
    if attempt is None or attempt.presence != "present":
        _say(
            scan,
            RuleError(
                N_("Nobody is checked in at seat %(seat)d: check the candidate in, then read it again."),
                seat=scan.seat_no,
            ),
        )
        _saved(session, actor, scan)
        return
    scan.enrollment_id = attempt.enrollment_id
    earlier = in_force(session, sitting.id, scan.seat_no)
    if earlier is not None and earlier.id != scan.id:
        _say(
            scan,
            RuleError(
                N_("Seat %(seat)d's sheet was already read (%(page)s): this page is kept, not used."),
                seat=scan.seat_no,
                page=earlier.page_label,
            ),
        )
        scan.state = "duplicate"
    elif attempt.score_tenths is not None:
        _say(
            scan,
            RuleError(
                N_("Seat %(seat)d already has an entry: this page is kept, not used."), seat=scan.seat_no
            ),
        )
        scan.state = "duplicate"
    else:
        scan.state, scan.problem, scan.problem_params = "review", None, None
    try:
        with session.begin_nested():  # two uploads of one seat at once: the second is the duplicate
            _saved(session, actor, scan)
    except IntegrityError:
        scan.state = "duplicate"
        _say(
            scan,
            RuleError(
                N_("Seat %(seat)d's sheet was already read: this page is kept, not used."), seat=scan.seat_no
            ),
        )
        _saved(session, actor, scan)
        return
    if scan.state == "review" and not reading.flagged_count:
        stored = reading_json(reading)
        try:
            with session.begin_nested():
                _enter(session, cipher, actor, user, sitting, scan, attempt, typed_of(stored, {}), now)
        except ResultError as exc:  # a mark this seat's question cannot carry (a 3-option question's D)
            if not getattr(exc, "problems", None):
                raise
            numbers = {p.number for p in exc.problems}
            for row in stored["questions"]:
                row[3] = row[3] or row[0] in numbers
            scan.reading, scan.state = json.dumps(stored, ensure_ascii=False), "review"
            session.flush()


def _enter(session, cipher, actor, user, sitting, scan, attempt, typed, now) -> None:  # type: ignore[no-untyped-def]
    enrollment = session.get(Enrollment, attempt.enrollment_id)
    enter_result(session, actor, user, cipher, sitting, enrollment, typed, attempt.version, now)
    scan.state, scan.decided_by, scan.decided_at = "entered", user.id, now
    session.flush()
    record(session, actor, "scan.enter", "answer_scan", scan.id, {"attempt": attempt.id, "sheet": typed})


def decide(
    session: Session,
    cipher: BankCipher,
    actor: Actor,
    user: User,
    sitting: Sitting,
    scan: AnswerScan,
    choices: Mapping[int, str],
    now: datetime,
) -> None:
    """A person's reading of every uncertain question, then the sheet is entered as decided."""
    may_scan(session, user, sitting, now)
    if scan.state != "review":
        raise ResultError(N_("This sheet has nothing left to decide."), status=409)
    reading = json.loads(scan.reading or "{}")
    problems = []
    for number, kind, _marks, flagged, _states, _fills, allowed in _rows(reading):
        if not flagged:
            continue
        chosen = choices.get(number)
        if chosen is None or not set(chosen) <= set(allowed) or (kind != "multiple" and len(chosen) > 1):
            problems.append(number)
    if problems:
        raise ResultError(
            N_("Decide every question marked for a look: %(numbers)s."), numbers=", ".join(map(str, problems))
        )
    attempt = session.scalar(
        select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.seat_no == scan.seat_no)
    )
    if attempt is None or attempt.enrollment_id != scan.enrollment_id or attempt.presence != "present":
        raise ResultError(N_("The candidate at this seat changed: read the sheet again."), status=409)
    if attempt.score_tenths is not None:
        raise ResultError(N_("Seat %(seat)d already has an entry."), status=409, seat=scan.seat_no)
    record(
        session,
        actor,
        "scan.decide",
        "answer_scan",
        scan.id,
        {"decided": {str(k): v for k, v in sorted(choices.items())}},
    )
    _enter(session, cipher, actor, user, sitting, scan, attempt, typed_of(reading, choices), now)


def discard(
    session: Session, actor: Actor, user: User, sitting: Sitting, scan: AnswerScan, now: datetime
) -> None:
    may_scan(session, user, sitting, now)
    if scan.state == "discarded":
        raise ResultError(N_("This page is already set aside."), status=409)
    if scan.state == "entered":
        raise ResultError(N_("An entered sheet stays: change the candidate's entry instead."), status=409)
    scan.state, scan.decided_by, scan.decided_at = "discarded", user.id, now
    session.flush()
    record(session, actor, "scan.discard", "answer_scan", scan.id, {"seat": scan.seat_no})


def read_again(session, keyring, cipher, actor, user, sitting, scan, now) -> None:  # type: ignore[no-untyped-def]
    """An unplaced page once the reason is gone (the candidate is checked in now)."""
    may_scan(session, user, sitting, now)
    if scan.state != "unmatched":
        raise ResultError(N_("Only a page that was not placed is read again."), status=409)
    gray = gray_of_jpeg(image_of(keyring, scan))
    try:
        reading = read_page(gray, sheet_rows(session, cipher, sitting, now))
    except SheetUnreadable as exc:
        _say(scan, exc)
        session.flush()
        return
    _place(session, cipher, actor, user, sitting, scan, reading, now)


def in_force(session: Session, sitting_id: int, seat: int | None) -> AnswerScan | None:
    return session.scalar(
        select(AnswerScan).where(
            AnswerScan.sitting_id == sitting_id, AnswerScan.seat_no == seat, AnswerScan.state.in_(IN_FORCE)
        )
    )


def image_of(keyring: Keyring, scan: AnswerScan) -> bytes:
    return aead.unseal(keyring.personal_data_keys(), scan.sealed, _aad(scan.sitting_id, scan.digest))


def _aad(sitting_id: int, digest: str) -> bytes:
    return f"scan:{sitting_id}:{digest}".encode()


def _say(scan: AnswerScan, exc: RuleError) -> None:
    scan.problem, scan.problem_params = str(exc), json.dumps(exc.params, ensure_ascii=False, default=str)


def _saved(session: Session, actor: Actor, scan: AnswerScan) -> AnswerScan:
    fresh = scan.id is None
    session.add(scan)
    session.flush()
    if fresh:
        record(
            session,
            actor,
            "scan.read",
            "answer_scan",
            scan.id,
            {"sha256": scan.digest, "seat": scan.seat_no, "state": scan.state},
        )
    return scan


# ---- the reading as stored, and as typed for grading
def reading_json(reading: PageReading) -> dict:
    return {
        "serial": reading.sheet.serial,
        "upside_down": reading.upside_down,
        "corners": [[round(x, 1), round(y, 1)] for x, y in reading.corners],
        "questions": [
            [q.number, q.type, q.marks, q.flagged, q.states, list(q.fills), q.allowed]
            for q in reading.questions
        ],
    }


def _rows(reading: Mapping) -> list:  # type: ignore[type-arg]
    return reading.get("questions", [])


def typed_of(reading: Mapping, choices: Mapping[int, str]) -> str:  # type: ignore[type-arg]
    """The sheet as a proctor would type it (exams/grading.py): one token per question, - for blank."""
    tokens = []
    for number, _kind, marks, flagged, *_ in _rows(reading):
        chosen = choices.get(number, marks) if flagged else marks
        tokens.append(chosen or "-")
    return " ".join(tokens)
