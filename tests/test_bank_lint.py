"""`examsvc bank lint`: each rule on cases it must flag and on near misses it must pass; the command."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pytest
from click.testing import CliRunner

from examsvc.cli import main
from examsvc.questions.lint import RULES, LintItem, counts_by_rule
from examsvc.questions.lint_numbers import chinese_number, first_quantity
from examsvc.questions.rules import QuestionRecord, check_record

from .bank_helpers import question, write_bank

RULE_NAMES = [
    *("numeric_order", "key_longest", "all_or_none_of_above", "negative_stem", "near_duplicate_stem"),
    *("repeated_option", "article_number", "multiple_pattern", "multiple_few_wrong"),
]
SHORT = ["甲", "乙", "丙", "丁"]


def record(
    n: int = 1,
    qtype: str = "single",
    stem: str | None = None,
    options: list[str] | None = None,
    answer: str | bool | None = None,
) -> QuestionRecord:
    extra: dict[str, object] = {}
    if stem is not None:
        extra["stem"] = stem
    if options is not None:
        extra["options"] = dict(zip("ABCDE", options, strict=False))
    if answer is not None:
        extra["answer"] = answer
    checked = check_record(question(n, qtype=qtype, **extra), default_topic="work_safety_law")
    assert isinstance(checked, QuestionRecord), checked
    return checked


def findings_of(rule: str, *records: QuestionRecord) -> list[str]:
    return [f.detail for f in RULES[rule]([LintItem("t.yaml", r) for r in records])]


def test_the_registry_holds_the_nine_rules_and_counts_list_them_all():
    assert list(RULES) == RULE_NAMES
    assert counts_by_rule([]) == dict.fromkeys(RULE_NAMES, 0)


# --- numeric_order -----------------------------------------------------------------------------


OUT_OF_ORDER = [
    ["1年", "6个月", "2年", "3年"],
    ["十五日", "十日", "三十日", "六十日"],
    ["十万元", "5万元", "二十万元", "1亿元"],
    ["5万元以上10万元以下", "5万元以上20万元以下", "二十万元", "五十万元"],  # a tie is not ascending
    ["百分之五十", "30%", "60%", "80%"],
    ["10人", "5名", "20人", "30人"],
    ["十五个工作日", "十日", "二十日", "三十日"],
    ["48小时", "1日", "3日", "7日"],
    ["2周", "10日", "三十日", "六十日"],
    ["三分之一", "四分之一", "二分之一", "三分之二"],
    ["三百", "二百", "一百", "五十"],
    ["12个月", "1年", "2年", "3年"],  # twelve months are a year: not strictly ascending
]
IN_ORDER_OR_SKIPPED = [
    ["十日", "十五日", "三十日", "六十日"],
    ["6个月", "1年", "2年", "3年"],
    ["24小时", "48小时", "72小时", "7日"],
    ["七个工作日", "十日", "十五个工作日", "一个月"],
    ["5万元以上10万元以下", "十万元以上二十万元以下", "二十万元以上五十万元以下", "一百万元以上"],
    ["四分之一至三分之一", "三分之一至二分之一", "二分之一至三分之二", "三分之二至四分之三"],
    ["万分之二", "千分之五", "百分之一", "5%"],
    ["1年", "5万元", "3人", "4次"],  # units that do not compare: skipped
    ["三年", "终身", "一年", "五年"],  # an option without a quantity: skipped
    ["第五条", "第三条", "第四条", "第一条"],  # article numbers are not quantities
    ["GB 30871-2022", "GB 6441-1986", "AQ 3013", "GB 2894"],  # nor are standard codes
    ["0.5", "1.0", "1.5", "2.0"],
]


@pytest.mark.parametrize(
    ("options", "flagged"), [(o, True) for o in OUT_OF_ORDER] + [(o, False) for o in IN_ORDER_OR_SKIPPED]
)
def test_numeric_order(options, flagged):
    assert bool(findings_of("numeric_order", record(options=options))) is flagged


def test_numeric_order_names_the_quantities_and_ignores_true_false():
    (detail,) = findings_of("numeric_order", record(options=["1年", "6个月", "2年", "3年"]))
    assert detail == "quantities not in ascending order: A 1年, B 6个月, C 2年, D 3年"
    assert findings_of("numeric_order", record(qtype="truefalse", stem="期限为1年，6个月后复查。")) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("十五", 15), ("三十", 30), ("一百零五", 105), ("二十万", 200_000), ("万", 10_000), ("一一", None)],
)
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize(
    ("text", "dimension", "value"),
    [
        ("5万元以上10万元以下", "money", Fraction(50_000)),  # the first quantity counts
        ("上一年度工资的10倍", "倍", Fraction(10)),  # 上一年度 is not one year
        ("有下列情形之一的，处3日以下", "time", Fraction(3)),
        ("半年", "time", Fraction(365, 2)),
        ("二分之一", "ratio", Fraction(1, 2)),
        ("百分之四十", "ratio", Fraction(2, 5)),
        ("1500 V", "voltage", Fraction(1500)),
    ],
)
def test_first_quantity(text, dimension, value):
    quantity = first_quantity(text)
    assert quantity is not None and (quantity.dimension, quantity.value) == (dimension, value)


@pytest.mark.parametrize("text", ["第十二条", "一般情况", "统一管理", "千万不要", "H2S", "终身"])
def test_words_with_numerals_hold_no_quantity(text):
    assert first_quantity(text) is None


# --- key_longest -------------------------------------------------------------------------------


def _options_with_key(key_length: int, wrong_length: int) -> list[str]:
    return ["错" * wrong_length, "对" * key_length, "误" * 2, "非" * 3]


@pytest.mark.parametrize(
    ("key_length", "wrong_length", "flagged"),
    [
        (20, 16, True),  # exactly 1.25 times and 4 more: the edge is flagged
        (19, 8, True),
        (11, 8, False),  # 1.375 times but only 3 more
        (24, 20, False),  # 4 more but only 1.2 times
        (10, 10, False),
    ],
)
def test_key_longest(key_length, wrong_length, flagged):
    options = _options_with_key(key_length, wrong_length)
    assert bool(findings_of("key_longest", record(options=options, answer="B"))) is flagged


def test_key_longest_counts_no_whitespace_and_checks_single_choice_only():
    spaced = ["错" * 8, " 对 " * 11, "误", "非"]  # 11 characters once the spaces go: 3 more than 8
    assert findings_of("key_longest", record(options=spaced, answer="B")) == []
    long_keys = _options_with_key(20, 8)
    assert findings_of("key_longest", record(qtype="multiple", options=long_keys, answer="BC")) == []


# --- all_or_none_of_above ----------------------------------------------------------------------


ALL_OR_NONE = "以上都是|以上均正确|以上皆非|以上全部|以上选项都对|上述三项都对|全部正确|都不对|A和B都正确"
ENGLISH = "All of the above|none of the above"
LAW_TEXT = "五万元以上十万元以下|三年以上有期徒刑|县级以上人民政府|以提高岗位津贴代替上述设施|全部停车后动火"


@pytest.mark.parametrize(
    ("option", "flagged"),
    [(o, True) for o in f"{ALL_OR_NONE}|{ENGLISH}".split("|")] + [(o, False) for o in LAW_TEXT.split("|")],
)
def test_all_or_none_of_above(option, flagged):
    assert bool(findings_of("all_or_none_of_above", record(options=["甲", "乙", "丙", option]))) is flagged


# --- negative_stem -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "word"),
    [
        ("下列设备中不属于特种设备的是（  ）。", "不属于"),
        ("下列说法错误的是（  ）。", "错误"),
        ("下列关于从业人员权利的说法，不正确的是（  ）。", "不正确"),
        ("起重作业中，下列哪些情况不得起吊？（  ）", "不得"),
        ("下列哪项不符合安全生产法的规定？", "不符合"),
        ("下列人员不应当参加事故调查的是（  ）。", "不应当"),  # the longer word, not 不应
        ("下列选项中不包括在职责内的一项是（  ）", "不包括"),
        ("下列设备中*不属于*特种设备的是（  ）。", "不属于"),  # one asterisk is not the markup
        ("下列**不属于**主要负责人职责、不得委托的是（  ）。", "不得"),  # every negative word counts
    ],
)
def test_negative_stem_flags_an_unemphasised_exception(stem, word):
    (detail,) = findings_of("negative_stem", record(stem=stem))
    assert f"with {word} not emphasised (write **{word}**)" in detail


@pytest.mark.parametrize(
    "stem",
    [
        "下列设备中**不属于**特种设备的是（  ）。",
        "下列人员**不应当**参加事故调查的是（  ）。",
        "采掘工作面的进风流中，氧气浓度不得低于（  ）。",  # a duty in a fill-in stem
        "不具备安全生产条件的，不得从事生产经营活动；下列说法正确的是（  ）。",  # another clause
        "未经技术论证和批准，不得变更的事项包括（  ）。",  # asks for no exception
        "下列关于主要负责人职责的说法，正确的是（  ）。",
    ],
)
def test_negative_stem_passes_emphasis_and_duties(stem):
    assert findings_of("negative_stem", record(stem=stem)) == []


def test_negative_stem_checks_choice_items_only():
    assert findings_of("negative_stem", record(qtype="truefalse", stem="下列说法错误的是主要负责人。")) == []
    assert findings_of("negative_stem", record(qtype="multiple", stem="下列说法错误的有（  ）。"))


# --- near_duplicate_stem -----------------------------------------------------------------------

BASE_STEM = "职工因工致残被鉴定为一级伤残的，一次性伤残补助金标准为（  ）的本人工资。"


def test_near_duplicates_are_reported_once_per_pair_on_the_later_id():
    stems = [BASE_STEM, BASE_STEM.replace("一级", "五级"), BASE_STEM.replace("一级", "十级")]
    items = [LintItem(f"f{n}.yaml", record(n, stem=s)) for n, s in enumerate(stems, start=1)]
    found = RULES["near_duplicate_stem"](items)
    assert [(f.file, f.question_id) for f in found] == [("f2.yaml", "t-0002")] + [("f3.yaml", "t-0003")] * 2
    assert "similar to t-0001 (f1.yaml)" in found[0].detail
    assert {"t-0001", "t-0002"} == {f.detail.split("similar to ")[1][:6] for f in found[1:]}


@pytest.mark.parametrize(
    ("other", "flagged"),
    [
        (BASE_STEM.replace("（  ）", "(   )").replace("，", " "), True),  # only blank, spaces, punctuation
        (BASE_STEM.replace("一级", "五级"), True),
        ("职工因工致残被鉴定为七级至十级伤残的，一次性伤残补助金标准为多少？", False),
        ("生产经营单位的主要负责人对本单位安全生产工作全面负责。", False),
    ],
)
def test_near_duplicate_threshold(other, flagged):
    found = findings_of("near_duplicate_stem", record(1, stem=BASE_STEM), record(2, stem=other))
    assert bool(found) is flagged


@pytest.mark.parametrize(("tail", "flagged"), [("申酉戌", True), ("申酉戌亥", False)])
def test_near_duplicate_at_the_edge_with_the_shared_bigrams_last(tail, flagged):
    """17 of 20 bigrams shared is 0.85 exactly; the later stem's rare bigrams sort first."""
    first = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未"
    found = findings_of("near_duplicate_stem", record(1, stem=first), record(2, stem=first + tail))
    assert bool(found) is flagged


def test_near_duplicates_match_a_comparison_of_every_pair():
    """The prefix filter must find exactly what comparing every pair finds."""
    rng = random.Random(7)
    alphabet = "安全生产经营单位主要负责人应当建立健全责任制度组织制定规章操作规程"
    bases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(20, 60))) for _ in range(40)]
    stems = []
    for base in bases:
        for _ in range(4):  # variants of each base, one or two characters changed: around the edge
            chars = list(base)
            for _ in range(rng.randint(1, 2)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            stems.append("".join(chars))
    items = [LintItem("t.yaml", record(n, stem=s)) for n, s in enumerate(stems, start=1)]
    found = {
        (f.question_id, f.detail.split("similar to ")[1].split(" ")[0])
        for f in RULES["near_duplicate_stem"](items)
    }

    grams = {f"t-{n:04d}": {s[k : k + 2] for k in range(len(s) - 1)} for n, s in enumerate(stems, start=1)}
    pairs = combinations(grams, 2)  # (earlier, later) in reading order
    expected = {(b, a) for a, b in pairs if 20 * len(grams[a] & grams[b]) >= 17 * len(grams[a] | grams[b])}
    assert found == expected and len(expected) > 20


# --- repeated_option and article_number --------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "flagged"),
    [
        (["5 米", "5米", "10米", "20米"], True),
        (["全面负责。", "全面负责", "部分负责", "不负责"], True),
        (["5米", "50米", "10米", "20米"], False),
        (SHORT, False),
    ],
)
def test_repeated_option(options, flagged):
    assert bool(findings_of("repeated_option", record(options=options))) is flagged


@pytest.mark.parametrize(
    ("options", "flagged"),
    [
        (["第十二条", "第十三条", "第十四条", "第十五条"], True),
        (["第12条", "第13条", "第14条", "第15条"], True),
        (["第三十八条第一款", "第三十八条第二款", "第三十九条", "第一百三十四条之一"], True),
        (["《安全生产法》第五条", "《安全生产法》第六条", "《刑法》第一百三十四条", "第七条"], True),
        (["第十二条", "第十三条", "第十四条", "以上都不是"], False),
        (["第一百三十四条第二款，增加冒险组织作业的情形", "第十三条", "第十四条", "第十五条"], False),
    ],
)
def test_article_number(options, flagged):
    assert bool(findings_of("article_number", record(options=options))) is flagged


# --- the set-level rules -----------------------------------------------------------------------


def _multiple_items(patterns: list[tuple[int, str]]) -> list[LintItem]:
    items = []
    for n, (option_count, answer) in enumerate(patterns, start=1):
        options = [f"选项{k}" for k in "ABCDE"[:option_count]]
        items.append(LintItem("t.yaml", record(n, qtype="multiple", options=options, answer=answer)))
    return items


@pytest.mark.parametrize(
    ("patterns", "flagged"),
    [
        ([(4, "ABC")] * 5 + [(4, "AB")] * 3 + [(5, "ABC")] * 2, True),  # 50 %
        ([(4, "ABC")] * 4 + [(4, "AB")] * 3 + [(5, "ABC")] * 3, False),  # 40 %: the edge passes
        ([(4, "ABC")] * 9, False),  # fewer than ten multiple-choice items: no set rules
    ],
)
def test_multiple_pattern(patterns, flagged):
    found = RULES["multiple_pattern"](_multiple_items(patterns))
    assert bool(found) is flagged
    assert all((f.file, f.question_id) == ("*", "*") for f in found)


@pytest.mark.parametrize(
    ("patterns", "flagged"),
    [
        ([(4, "AB")] * 2 + [(4, "ABC")] * 8, True),  # 20 % with two wrong options
        ([(4, "AB")] * 3 + [(5, "ABCD")] * 9, False),  # 25 %: the edge passes
        ([(5, "AB")] * 3 + [(4, "ABC")] * 7, False),
    ],
)
def test_multiple_few_wrong(patterns, flagged):
    assert bool(RULES["multiple_few_wrong"](_multiple_items(patterns))) is flagged


# --- the command -------------------------------------------------------------------------------


def choice(n: int, stem: str, options: list[str]) -> dict:
    return question(n, stem=stem, options=dict(zip("ABCD", options, strict=True)))


CLEAN = [
    choice(1, "生产经营单位的主要负责人对本单位的安全生产工作（  ）。", SHORT),
    choice(2, "从业人员发现直接危及人身安全的紧急情况时，有权（  ）。", SHORT),
    question(3, qtype="truefalse", stem="矿山企业不得录用未成年人从事矿山井下劳动。"),
]


def _lint(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["bank", "lint", *args])  # no app, no database: a fresh checkout


def test_lint_passes_a_clean_set_without_an_app(tmp_path: Path):
    result = _lint(str(write_bank(tmp_path / "bank", CLEAN)))
    assert result.exit_code == 0, result.output
    assert "numeric_order                   0" in result.output
    assert all(name in result.output for name in RULE_NAMES)


def test_lint_reports_each_finding_and_the_counts(tmp_path: Path):
    faulty = choice(4, "下列期限中，最短的一项期限为（  ）。", ["1年", "6个月", "2年", "3年"])
    result = _lint(str(write_bank(tmp_path / "bank", [*CLEAN, faulty])))
    assert result.exit_code == 1
    assert "test.yaml t-0004 numeric_order: quantities not in ascending order" in result.output
    assert "numeric_order                   1" in result.output
    assert "key_longest                     0" in result.output

    as_json = _lint("--json", str(tmp_path / "bank" / "test.yaml"))
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["counts"] == {**dict.fromkeys(RULE_NAMES, 0), "numeric_order": 1}
    assert report["findings"][0]["id"] == "t-0004" and report["problems"] == []


def test_lint_reports_format_problems_and_ids_used_in_two_files(tmp_path: Path):
    folder = write_bank(tmp_path / "bank", CLEAN)
    write_bank(folder, [CLEAN[0], {**CLEAN[1], "id": "t-0009", "difficulty": 9}], name="other.yaml")
    result = _lint("--json", str(folder))
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert any("t-0009 difficulty" in p for p in problems)
    assert any("t-0001 id: id already used in other.yaml" in p for p in problems)
