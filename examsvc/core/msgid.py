"""Messages of refusals: marked where they are raised, translated where they are shown.

No dependencies, so that pure modules (crypto, rules) can use it too.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a msgid for extraction (scripts/i18n.sh); returns it unchanged."""
    return message


class RuleError(ValueError):
    """A service refuses a change; `message` is a msgid, `field` the form field it concerns."""

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.field = field
        self.params = params
