"""How a view applies a service change: commit it, or roll back and say why it was refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import abort, current_app, flash
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..core.db import db_session
from ..core.msgid import RuleError

T = TypeVar("T")


def refusal(exc: RuleError) -> str:
    return _(str(exc), **exc.params)


def apply_change(change: Callable[[Session], T], done: str | None = None) -> T | None:
    """Runs the change and commits (flashing `done`); a refused change is rolled back and flashed."""
    s = db_session()
    try:
        result = change(s)
    except RuleError as exc:
        s.rollback()
        flash(refusal(exc), "error")
        return None
    s.commit()
    if done:
        flash(done, "info")
    return result


def clock_now() -> datetime:
    """The app's clock (core/clock.py): the one "now" of every time gate, movable by tests."""
    return current_app.extensions["examsvc.clock"].now()


def get_or_404(model: type[T], object_id: int) -> T:
    found = db_session().get(model, object_id)
    if found is None:
        abort(404)
    return found
