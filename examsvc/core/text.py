"""Whether a text can be stored at all (pure). PostgreSQL refuses NUL in text and UTF-8 cannot
encode a lone surrogate (which a JSON "\\ud800" escape produces); both are refused at the edge
with a 400 instead of failing deep in a query with a server error."""

from __future__ import annotations

import re

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None
