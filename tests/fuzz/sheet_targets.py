"""Fuzz target: the typed answer sheet (examsvc/exams/grading.py)."""

from __future__ import annotations

from fuzz_common import Target
from fuzz_common import text as _text

from examsvc.exams.grading import KeyItem, SeatKey, SheetProblem, grade, key_sheet, parse_sheet
from examsvc.papers.variants import LETTERS

# ---- answer sheets -------------------------------------------------------------------------------
# byte 0: number of questions (mod 13); then 2 bytes per question (type, options); then the sheet (UTF-8).

_TYPES = ("truefalse", "single", "multiple")


def _decode_sheet(data: bytes) -> tuple[SeatKey, str]:
    count = data[0] % 13 if data else 0
    items, pos = [], 1
    for n in range(count):
        kind, width = (data[pos : pos + 2] + b"\0\0")[:2]
        pos += 2
        qtype = _TYPES[kind % 3]
        options = 0 if qtype == "truefalse" else 2 + width % (len(LETTERS) - 1)
        if qtype == "truefalse":
            correct: frozenset[str] | bool = bool(width & 1)
        elif qtype == "single":
            correct = frozenset(LETTERS[width % options])
        else:
            correct = frozenset(LETTERS[:2])
        items.append(KeyItem(qtype, 1 + n, options, correct))
    return SeatKey(tuple(items)), _text(data[pos:])


def sheet_target(data: bytes) -> None:
    key, text = _decode_sheet(data)
    answers, problems = parse_sheet(text, key)
    for p in problems:
        assert isinstance(p, SheetProblem) and 0 <= p.number <= len(key.items), p
        assert isinstance(p.text(), str) and p.text(), p
    if problems:
        return
    assert len(answers) == len(key.items), (answers, key)
    for answer, item in zip(answers, key.items, strict=True):
        if item.type == "truefalse":
            assert answer is None or isinstance(answer, bool), (answer, item)
        else:
            assert answer is None or (answer and answer <= set(LETTERS[: item.options])), (answer, item)
            assert not (item.type == "single" and answer and len(answer) != 1), (answer, item)
    assert 0 <= grade(answers, key).score_tenths <= sum(i.points_tenths for i in key.items)


def _sheet_seed(key: SeatKey, text: str) -> bytes:
    head = bytes([len(key.items)])
    for item in key.items:
        kind = _TYPES.index(item.type)
        width = int(bool(item.correct)) if item.type == "truefalse" else item.options - 2
        head += bytes([kind, width])
    return head + text.encode()


def _sheet_seeds() -> list[bytes]:
    key = SeatKey(
        (
            KeyItem("truefalse", 1, 0, True),
            KeyItem("single", 2, 4, frozenset("A")),
            KeyItem("multiple", 3, 5, frozenset("AB")),
            KeyItem("truefalse", 4, 0, False),
        )
    )
    return [
        _sheet_seed(key, key_sheet(key)),
        _sheet_seed(key, "对 b，acd、错"),
        _sheet_seed(key, "√ - ABE ×"),
        _sheet_seed(key, "T;Ａ;ß;F"),
        _sheet_seed(key, "TRUE  C\tAA  N"),
        _sheet_seed(SeatKey(()), ""),
    ]


TARGETS = {
    "sheet": Target(
        sheet_target, _sheet_seeds, ("对", "错", "√", "×", "✓", "✗", "TRUE", "FALSE", "—", "，", "、", "；")
    ),
}
