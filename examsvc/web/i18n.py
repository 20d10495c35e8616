"""Languages: Simplified Chinese first, English second."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context, session
from flask_babel import format_datetime, format_percent

LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}


def select_locale() -> str:
    # A background job has no request: it runs in the language it was asked in (jobs/runner.py).
    chosen = session.get("lang") if has_request_context() else g.get("job_locale")
    if chosen in LANGUAGES:
        return chosen
    return current_app.config["EXAMSVC"].default_locale


def local_time(value: datetime | None) -> str:
    """UTC from the database, shown in the bureau's time zone (BABEL_DEFAULT_TIMEZONE)."""
    return "" if value is None else format_datetime(value, "yyyy-MM-dd HH:mm")


def percent(value: float | None) -> str:
    """A share (0..1) as a percentage with one decimal, in the page's locale; blank when unknown."""
    return "" if value is None or value == "" else format_percent(float(value), "#,##0.0%")
