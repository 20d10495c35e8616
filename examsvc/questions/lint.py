"""`examsvc bank lint`: mechanical faults of a question bank that the importer lets through.

The importer checks that a record is well formed; these rules check that it is a fair question:
numeric options in order, no give-away key, no "all of the above", negative stems emphasised, no
near-duplicate stems, no article numbers to memorise, and a spread of multiple-choice patterns.
The rules are a registry (name -> function over the checked items) so the command and the tests
run the same list. Pure: records in, findings out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .lint_numbers import first_quantity
from .rules import QuestionRecord

SET_LEVEL = "*"  # the file and id of a finding about the whole checked set
MIN_MULTIPLE_FOR_SET_RULES = 10  # fewer multiple-choice items (one small file): shares mean nothing
NEAR_DUPLICATE = Fraction(85, 100)
MAX_PATTERN_SHARE = Fraction(40, 100)
MIN_FEW_WRONG_SHARE = Fraction(25, 100)

NEGATIVE_WORDS = (
    *("不属于", "不包括", "不正确", "不符合", "不是", "不应当", "不应", "不得", "不能"),
    *("不需要", "无须", "无需", "错误", "不对", "不恰当", "不可以", "除外"),
)
NEGATIVE = re.compile("|".join(sorted(NEGATIVE_WORDS, key=len, reverse=True)))  # 不应当 before 不应
EMPHASIS = "**"
CLAUSE_BREAK = re.compile(r"[，,。；;：:？?！!]")
BLANK = r"\s*(?:（\s*）|\(\s*\))?\s*"
# The clause that asks: ends in 的是 / 的有 / 的一项 (before the answer blank), or asks 哪项 / 哪些 / 哪一.
ASKING_CLAUSE = re.compile(rf"(?:的是|的有|的一项是?){BLANK}$|哪项|哪些|哪一")
ALL_OR_NONE = re.compile(
    r"^\W*(?:以上\s*(?:都|均|皆|全|选项)|上述.*都)|全部正确|都不对|都正确|all of the above|none of the above",
    re.IGNORECASE,
)
NUMERAL = "[0-9零〇一二两三四五六七八九十百千]+"
ARTICLE = rf"第{NUMERAL}条(?:之{NUMERAL})?(?:第{NUMERAL}款)?(?:第{NUMERAL}项)?"
ARTICLE_ONLY = re.compile(rf"(?:《[^》]*》)?{ARTICLE}(?:[、，,和及或]{ARTICLE})*[。.]?")


@dataclass(frozen=True)
class LintItem:
    """A record and the file it was read from (findings name both)."""

    file: str
    record: QuestionRecord


@dataclass(frozen=True)
class Finding:
    file: str
    question_id: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.file} {self.question_id} {self.rule}: {self.detail}"

    def as_json(self) -> dict[str, str]:
        return {"file": self.file, "id": self.question_id, "rule": self.rule, "detail": self.detail}


Rule = Callable[[Sequence[LintItem]], list[Finding]]
ItemCheck = Callable[[QuestionRecord], str | None]


def plain(text: str) -> str:
    """The text without whitespace or punctuation (the blank （  ） and the ** markup go too)."""
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def _length(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _is_choice(record: QuestionRecord) -> bool:
    return record.type in ("single", "multiple")


def numeric_order(record: QuestionRecord) -> str | None:
    if not _is_choice(record):
        return None
    quantities = [first_quantity(text) for _, text in record.options]
    if any(q is None for q in quantities) or len({q.dimension for q in quantities if q}) != 1:
        return None  # a text option, or units that do not compare
    values = [q.value for q in quantities if q]
    if all(a < b for a, b in zip(values, values[1:], strict=False)):
        return None
    written = ", ".join(
        f"{key} {q.text}" for (key, _), q in zip(record.options, quantities, strict=True) if q
    )
    return f"quantities not in ascending order: {written}"


def key_longest(record: QuestionRecord) -> str | None:
    if record.type != "single":
        return None
    key = next(_length(text) for letter, text in record.options if letter == record.answer)
    longest_wrong = max(_length(text) for letter, text in record.options if letter != record.answer)
    if 4 * key >= 5 * longest_wrong and key >= longest_wrong + 4:  # 1.25 times, and 4 characters more
        return f"the key {record.answer} has {key} characters, the longest wrong option {longest_wrong}"
    return None


def all_or_none_of_above(record: QuestionRecord) -> str | None:
    for letter, text in record.options:
        if ALL_OR_NONE.search(text):
            return f"option {letter} reads {text!r}"
    return None


def _emphasised(clause: str, match: re.Match[str]) -> bool:
    return clause[: match.start()].endswith(EMPHASIS) and clause[match.end() :].startswith(EMPHASIS)


def negative_stem(record: QuestionRecord) -> str | None:
    if not _is_choice(record):
        return None
    for clause in CLAUSE_BREAK.split(record.stem):
        if not ASKING_CLAUSE.search(clause):
            continue  # a duty stated in a fill-in stem (……不得超过（  ）) asks for no exception
        for match in NEGATIVE.finditer(clause):
            if not _emphasised(clause, match):
                word = match.group()
                return f"asks for the exception with {word} not emphasised (write {EMPHASIS}{word}{EMPHASIS})"
    return None


def repeated_option(record: QuestionRecord) -> str | None:
    first_with: dict[str, str] = {}
    for letter, text in record.options:
        same = first_with.setdefault(plain(text), letter)
        if same != letter:
            return f"options {same} and {letter} are the same once spaces and punctuation are removed"
    return None


def article_number(record: QuestionRecord) -> str | None:
    if not _is_choice(record):
        return None
    if all(ARTICLE_ONLY.fullmatch("".join(text.split())) for _, text in record.options):
        return "every option is an article number (the bank does not test memorising them)"
    return None


def _each_item(name: str, check: ItemCheck) -> Rule:
    def rule(items: Sequence[LintItem]) -> list[Finding]:
        found = ((item, check(item.record)) for item in items)
        return [Finding(item.file, item.record.external_id, name, detail) for item, detail in found if detail]

    return rule


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> Fraction:
    shared = len(a & b)
    return Fraction(shared, len(a) + len(b) - shared)


def near_duplicate_stem(items: Sequence[LintItem]) -> list[Finding]:
    """Pairs of stems whose bigram Jaccard similarity reaches the threshold, in reading order.

    Prefix filtering keeps it exact without comparing every pair: order each stem's bigrams from
    rarest to commonest; two sets with Jaccard >= t always share one of the first
    |A| - ceil(t·|A|) + 1 bigrams of each, so only stems sharing such a bigram are compared.
    """
    grams = [_bigrams(plain(item.record.stem)) for item in items]
    frequency = Counter(g for one in grams for g in one)
    index: dict[str, list[int]] = defaultdict(list)
    findings = []
    for later, mine in enumerate(grams):
        if not mine:
            continue
        ordered = sorted(mine, key=lambda g: (frequency[g], g))
        prefix = ordered[: len(mine) - _ceil(NEAR_DUPLICATE * len(mine)) + 1]
        candidates = {earlier for g in prefix for earlier in index[g]}
        for earlier in sorted(candidates):
            theirs = grams[earlier]
            if min(len(mine), len(theirs)) < NEAR_DUPLICATE * max(len(mine), len(theirs)):
                continue  # sizes too far apart to reach the threshold
            similarity = _jaccard(mine, theirs)
            if similarity >= NEAR_DUPLICATE:
                other = items[earlier]
                detail = f"stem {float(similarity):.2f} similar to {other.record.external_id} ({other.file})"
                mine_item = items[later]
                findings.append(
                    Finding(mine_item.file, mine_item.record.external_id, "near_duplicate_stem", detail)
                )
        for g in prefix:
            index[g].append(later)
    return findings


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _multiple(items: Sequence[LintItem]) -> list[QuestionRecord]:
    return [item.record for item in items if item.record.type == "multiple"]


def multiple_pattern(items: Sequence[LintItem]) -> list[Finding]:
    """The commonest (options, correct) pattern may cover at most 40 % of multiple-choice items."""
    multiple = _multiple(items)
    if len(multiple) < MIN_MULTIPLE_FOR_SET_RULES:
        return []
    patterns = Counter((len(r.options), len(r.answer)) for r in multiple)
    (options, correct), count = patterns.most_common(1)[0]
    share = Fraction(count, len(multiple))
    if share <= MAX_PATTERN_SHARE:
        return []
    detail = (
        f"{options} options with {correct} correct cover {float(share):.0%} ({count} of {len(multiple)}) "
        f"of multiple-choice items; at most {float(MAX_PATTERN_SHARE):.0%}"
    )
    return [Finding(SET_LEVEL, SET_LEVEL, "multiple_pattern", detail)]


def multiple_few_wrong(items: Sequence[LintItem]) -> list[Finding]:
    """At least 25 % of multiple-choice items have two or more wrong options."""
    multiple = _multiple(items)
    if len(multiple) < MIN_MULTIPLE_FOR_SET_RULES:
        return []
    count = sum(1 for r in multiple if len(r.options) - len(r.answer) >= 2)
    share = Fraction(count, len(multiple))
    if share >= MIN_FEW_WRONG_SHARE:
        return []
    detail = (
        f"{float(share):.0%} ({count} of {len(multiple)}) of multiple-choice items have two or more "
        f"wrong options; at least {float(MIN_FEW_WRONG_SHARE):.0%}"
    )
    return [Finding(SET_LEVEL, SET_LEVEL, "multiple_few_wrong", detail)]


RULES: dict[str, Rule] = {
    "numeric_order": _each_item("numeric_order", numeric_order),
    "key_longest": _each_item("key_longest", key_longest),
    "all_or_none_of_above": _each_item("all_or_none_of_above", all_or_none_of_above),
    "negative_stem": _each_item("negative_stem", negative_stem),
    "near_duplicate_stem": near_duplicate_stem,
    "repeated_option": _each_item("repeated_option", repeated_option),
    "article_number": _each_item("article_number", article_number),
    "multiple_pattern": multiple_pattern,
    "multiple_few_wrong": multiple_few_wrong,
}


def lint(items: Sequence[LintItem]) -> list[Finding]:
    """Every rule's findings, sorted by file, then id, then the rules' order."""
    order = {name: n for n, name in enumerate(RULES)}
    findings = [finding for rule in RULES.values() for finding in rule(items)]
    return sorted(findings, key=lambda f: (f.file, f.question_id, order[f.rule], f.detail))


def counts_by_rule(findings: Sequence[Finding]) -> dict[str, int]:
    """Every rule with its number of findings, 0 included."""
    counted = Counter(f.rule for f in findings)
    return {name: counted[name] for name in RULES}
