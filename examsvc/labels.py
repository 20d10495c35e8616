"""Translated names of codes shown to users (roles, kinds of organisation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "officer": _l("Exam officer (bureau)"),
    "proctor": _l("Proctor (county)"),
    "institution": _l("Training institution staff"),
}

KIND_LABELS = {
    "bureau": _l("Emergency-management bureau"),
    "county": _l("County emergency department"),
    "institution": _l("Training institution"),
    "employer": _l("Employer"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
