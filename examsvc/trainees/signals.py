"""The trainee record's panels (web.panels): sender is the Trainee; a receiver returns a dict of
template context. Enrolments and certificates fill it from above."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

trainee_page = _signals.signal("trainee-page", doc="An officer's page of one trainee (一人一档).")
