"""The bank's one piece of markup: `**不**` around the negative word of a stem that asks for the
exception (question_bank/README.md, `examsvc bank lint`), printed bold and underlined so that no
candidate misses it (wkhtmltopdf's engine has no CSS emphasis dots, 着重号). Everything else is
escaped."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_MARKED = re.compile(r"\*\*(.+?)\*\*")


def emphasis(text: object) -> Markup:
    parts = _MARKED.split(str(text))
    # split() alternates plain text and the marked words: odd positions are the marked ones
    return Markup("").join(
        Markup('<strong class="neg">{}</strong>').format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def plain(text: object) -> str:
    """The stem without the markup (for text-only output)."""
    return _MARKED.sub(r"\1", str(text))
