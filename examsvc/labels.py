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


# Audit actions as users read them; an action without a label shows its code.
ACTION_LABELS = {
    "user.login": _l("Signed in"),
    "user.logout": _l("Signed out"),
    "user.create": _l("Created a user"),
    "user.update": _l("Changed a user"),
    "user.password": _l("Changed a password"),
    "user.totp_enrolled": _l("Enrolled an authenticator"),
    "user.totp_reset": _l("Reset a second factor"),
    "org.create": _l("Created an organisation"),
    "org.update": _l("Changed an organisation"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
