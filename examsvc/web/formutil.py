"""Form helpers shared by the blueprints."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """(value, label) pairs as the option objects WTForms asks for."""
    return [SelectChoice(str(value), label) for value, label in pairs]  # type: ignore[arg-type]
