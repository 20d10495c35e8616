"""Whether a text can be stored at all (pure). PostgreSQL refuses NUL in text and UTF-8 cannot
encode a lone surrogate (which a JSON "\\ud800" escape produces); both are refused at the edge
with a 400 instead of failing deep in a query with a server error."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def whole_number(text: str, most: int = 2**31 - 1) -> int | None:
    """A non-negative integer typed in ASCII digits, at most `most`; else None. str.isdigit() alone
    also takes "²" (which int() refuses) and other scripts' digits (another spelling of a number)."""
    text = text.strip()
    if not text or len(text) > len(str(most)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= most else None
