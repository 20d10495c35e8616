"""Identity documents and codes: checksums, formats, masks. Pure.

- Resident ID number, GB 11643-1999: 6-digit area, 8-digit birth date, 3-digit sequence, and a
  check character by ISO 7064 MOD 11-2.
- Unified social credit code, GB 32100-2015: 18 characters from a 31-character alphabet, the last
  one a check character (weights 3^i mod 31).
"""

from __future__ import annotations

import re
from datetime import date

from .msgid import N_

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# First two digits of the area code: provinces, plus 71/81/82/83 (Taiwan, Hong Kong, Macao residence permits).
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
    }
    | {"44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"}
)

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

DOCUMENT_TYPES = ("id_card", "passport", "hk_macao_permit", "taiwan_permit")
_OTHER_FORMATS = {
    "passport": re.compile(r"^[A-Z0-9]{5,17}$"),
    "hk_macao_permit": re.compile(r"^[HM][0-9]{8}([0-9]{2})?$"),  # 港澳居民来往内地通行证
    "taiwan_permit": re.compile(r"^[0-9]{8}([0-9]{2})?$"),  # 台湾居民来往大陆通行证
}


def normalise(number: str) -> str:
    return re.sub(r"\s+", "", number or "").upper()


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_card_problem(number: str, today: date | None = None) -> str | None:
    """Why this is not a valid resident ID number, or None. Accepts a lower-case x."""
    number = normalise(number)
    if len(number) != 18:
        return N_("an ID number has 18 characters")
    # ASCII only: str.isdigit() also takes ² (int() refuses it) and full-width ０-９ (another spelling).
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return N_("an ID number is 17 digits and a digit or X")
    if number[:2] not in PROVINCES:
        return N_("the area code is not a Chinese province")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return N_("the birth date in the ID number is not a real date")
    if born.year < 1900 or born > (today or date.today()):
        return N_("the birth date in the ID number is impossible")
    if id_check_char(number[:17]) != number[17]:
        return N_("the check character is wrong (a typing error?)")
    return None


def document_problem(doc_type: str, number: str) -> str | None:
    if doc_type == "id_card":
        return id_card_problem(number)
    pattern = _OTHER_FORMATS.get(doc_type)
    if pattern is None:
        return N_("unknown document type")
    if not pattern.match(normalise(number)):
        return N_("the number does not have the format of this document type")
    return None


def make_id_number(area: str, born: date, sequence: int) -> str:
    """A checksum-valid ID number (demo data and tests; never a real person's on purpose)."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def mask(doc_type: str, number: str) -> str:
    """What pages, exports and logs show: 110105********123X; other documents keep 1 + last 4."""
    number = normalise(number)
    if doc_type == "id_card" and len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    return number[:1] + "*" * max(len(number) - 5, 3) + number[-4:]


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    code = normalise(code)
    if len(code) != 18:
        return N_("a unified social credit code has 18 characters")
    if any(c not in CREDIT_ALPHABET for c in code):
        return N_("a unified social credit code uses digits and capitals except I, O, Z, S, V")
    if not code[2:8].isdigit():
        return N_("characters 3 to 8 of a credit code are the area code (digits)")
    if credit_check_char(code[:17]) != code[17]:
        return N_("the check character of the credit code is wrong (a typing error?)")
    return None


def make_credit_code(first17: str) -> str:
    return first17 + credit_check_char(first17)


MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


def phone_problem(phone: str) -> str | None:
    phone = normalise(phone).replace("+86", "")
    if MOBILE.match(phone) or LANDLINE.match(phone):
        return None
    return N_("a phone number is 11 mobile digits or a landline such as 0771-1234567")


def mask_phone(phone: str) -> str:
    phone = normalise(phone).replace("+86", "")
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
