"""The class pages' panels (web.panels): sender is the TrainingClass; a receiver returns a dict of
template context. Papers, sittings and certificates fill them from above."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

officer_class_page = _signals.signal("officer-class-page", doc="The bureau's page of one class.")
institution_class_page = _signals.signal(
    "institution-class-page", doc="The institution's page of its own class: numbers only, never a paper."
)
