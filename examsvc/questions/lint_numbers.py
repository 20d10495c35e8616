"""The first quantity of an option's text, for the lint's `numeric_order` rule.

A quantity is a number (Arabic digits, or Chinese numerals as law texts write them: 十五日, 三十日,
二分之一, 百分之四十) with an optional unit. Units of one dimension convert to a common base (time
to days, money to yuan, percentages and fractions to a ratio, people to persons, lengths to metres,
masses to kilograms), so 6个月 compares with 1年 and 5万元 with 十万元. Any other unit compares
only with itself. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

CN_DIGITS = {ch: n for n, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10**4, "亿": 10**8}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千万亿]+"

DAY = Fraction(1)
YEAR = 365 * DAY
# unit -> (dimension, factor to the dimension's base). Longer spellings first where one starts another.
UNITS: dict[str, tuple[str, Fraction]] = {
    "秒": ("time", DAY / 86400),
    "s": ("time", DAY / 86400),
    "ms": ("time", DAY / 86_400_000),
    "分钟": ("time", DAY / 1440),
    "min": ("time", DAY / 1440),
    "小时": ("time", DAY / 24),
    "h": ("time", DAY / 24),
    "个工作日": ("time", DAY),  # a working day counts as a day
    "工作日": ("time", DAY),
    "日": ("time", DAY),
    "天": ("time", DAY),
    "d": ("time", DAY),
    "个星期": ("time", 7 * DAY),
    "星期": ("time", 7 * DAY),
    "周岁": ("age", Fraction(1)),  # before 周: an age, not a week
    "岁": ("age", Fraction(1)),
    "周": ("time", 7 * DAY),
    "个月": ("time", YEAR / 12),  # twelve months make exactly a year
    "月": ("time", YEAR / 12),
    "年": ("time", YEAR),
    "元": ("money", Fraction(1)),  # 万元 and 亿元: the 万 and 亿 belong to the number
    "%": ("ratio", Fraction(1, 100)),
    "％": ("ratio", Fraction(1, 100)),
    "‰": ("ratio", Fraction(1, 1000)),
    "人": ("people", Fraction(1)),
    "名": ("people", Fraction(1)),
    "毫米": ("length", Fraction(1, 1000)),
    "mm": ("length", Fraction(1, 1000)),
    "厘米": ("length", Fraction(1, 100)),
    "cm": ("length", Fraction(1, 100)),
    "千米": ("length", Fraction(1000)),
    "公里": ("length", Fraction(1000)),
    "km": ("length", Fraction(1000)),
    "米": ("length", Fraction(1)),
    "m": ("length", Fraction(1)),
    "千克": ("mass", Fraction(1)),
    "公斤": ("mass", Fraction(1)),
    "kg": ("mass", Fraction(1)),
    "克": ("mass", Fraction(1, 1000)),
    "g": ("mass", Fraction(1, 1000)),
    "吨": ("mass", Fraction(1000)),
    "t": ("mass", Fraction(1000)),
    "V": ("voltage", Fraction(1)),
    "伏": ("voltage", Fraction(1)),
    "kV": ("voltage", Fraction(1000)),
    "千伏": ("voltage", Fraction(1000)),
}
# Counted things without a conversion: each is a dimension of its own.
OTHER_CJK_UNITS = (*"个次倍级等项台层度处座辆家套瓦", "千瓦")
LATIN_UNIT = r"[A-Za-zΩμ°℃³²/()·]+"  # mg/m³, dB(A), km/h: a run of letters, looked up whole
CJK_UNIT = "|".join(
    sorted(
        [u for u in UNITS if not re.fullmatch(LATIN_UNIT, u)] + list(OTHER_CJK_UNITS), key=len, reverse=True
    )
)

QUANTITY = re.compile(
    rf"(?P<fraction>(?P<den>{CN_NUMERAL})分之(?P<num>{CN_NUMERAL}|\d+(?:\.\d+)?))"
    rf"|(?P<arabic>\d+(?:\.\d+)?)(?P<arabic_big>[万亿]?)"
    rf"|(?P<chinese>{CN_NUMERAL}|半)"
)
UNIT_AFTER = re.compile(rf"\s*(?:(?P<cjk>{CJK_UNIT})|(?P<latin>{LATIN_UNIT}))")
# Characters before a numeral that make it part of a word, not a quantity: 第三条 (an ordinal),
# 上一年度, 同一, 唯一, 统一, 之一, 进一步, 万一.
NOT_A_NUMBER_AFTER = set("第上下同唯统之进逐")
NOT_A_NUMBER_WORDS = ("一次性", "千万不", "千万要")  # 一次性赔偿 (a lump sum); 千万不 (by no means)


@dataclass(frozen=True)
class Quantity:
    text: str  # as written, for messages
    dimension: str  # "" for a bare number
    value: Fraction  # in the dimension's base unit


def chinese_number(text: str) -> int | None:
    """十五 -> 15, 一百二十 -> 120, 十万 -> 100000, 万 -> 10000; None when it is not a number."""
    total = section = 0
    digit: int | None = None
    for ch in text:
        if ch in ("零", "〇"):
            digit = None  # a placeholder: 一百零五
        elif ch in CN_DIGITS:
            if digit is not None:
                return None  # 一一: two digits in a row is not how numbers are written
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL:
            section += (1 if digit is None else digit) * CN_SMALL[ch]
            digit = None
        else:
            section += digit or 0
            total = (total + (section or (0 if total else 1))) * CN_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _number(match: re.Match[str]) -> Fraction | None:
    if match["fraction"]:
        den = chinese_number(match["den"])
        num = Fraction(match["num"]) if match["num"][0].isdigit() else chinese_number(match["num"])
        return None if not den or num is None else Fraction(num) / den
    if match["arabic"]:
        return Fraction(match["arabic"]) * CN_BIG.get(match["arabic_big"], 1)
    if match["chinese"] == "半":
        return Fraction(1, 2)
    value = chinese_number(match["chinese"])
    return None if value is None else Fraction(value)


def _part_of_a_word(text: str, match: re.Match[str]) -> bool:
    start = match.start()
    before = text[start - 1] if start else ""
    if before in NOT_A_NUMBER_AFTER or any(text.startswith(w, start) for w in NOT_A_NUMBER_WORDS):
        return True
    # GB 30871, H2S, CO2, the 2022 of GB 30871-2022: a code, not an amount
    return bool(match["arabic"]) and bool(re.search(r"[A-Za-z][ /]?$|[-.]$", text[max(0, start - 2) : start]))


def first_quantity(text: str) -> Quantity | None:
    for match in QUANTITY.finditer(text):
        if _part_of_a_word(text, match):
            continue
        value = _number(match)
        if value is None:
            continue
        unit = UNIT_AFTER.match(text, match.end())
        if match["fraction"]:
            return Quantity(match.group(), "ratio", value)
        if unit is None:
            # a lone Chinese numeral (一, 三, 半) without a unit is a word (一般, 三同时), not a number
            if match["chinese"] and len(match["chinese"]) == 1:
                continue
            return Quantity(match.group(), "", value)
        name = unit["cjk"] or unit["latin"]
        dimension, factor = UNITS.get(name, (name, Fraction(1)))
        return Quantity(text[match.start() : unit.end()].strip(), dimension, value * factor)
    return None
