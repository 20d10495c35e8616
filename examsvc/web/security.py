"""Response headers that every page carries, and the refusal of input no database can store."""

from __future__ import annotations

from flask import Response, abort, current_app, request

from ..core.text import storable

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


ALWAYS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


# The proctor's sitting page uses the tablet's camera (check-in by ticket QR, the candidate's photo).
CAMERA_PAGES = frozenset({"tablet.sitting"})
CAMERA_ALLOWED = ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")

NO_STORE = ("Cache-Control", "no-store")
PAGE_HEADERS = [*ALWAYS, NO_STORE]  # what a response the view set no cache policy for carries


HSTS = "max-age=31536000; includeSubDomains"
RETRY_AFTER_DEFAULT = "60"  # the public limits' window is a minute; sign-in sets its own wait


def add_security_headers(response: Response) -> Response:
    """What every response carries. Pages may show personal data: unless the view chose a cache
    policy itself (public keys, the revocation list), nothing but static files is ever cached.
    Every 429 says when to come back, whichever limit refused it."""
    response.headers.update(ALWAYS)
    if request.endpoint in CAMERA_PAGES:
        response.headers.update([CAMERA_ALLOWED])
    if current_app.config["EXAMSVC"].is_production:  # browsers keep to https for a year
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.status_code == 429:
        response.headers.setdefault("Retry-After", RETRY_AFTER_DEFAULT)
    if request.endpoint != "static":
        response.headers.setdefault(*NO_STORE)
    return response


def refuse_unstorable_input() -> None:
    """before_request hook: a query or form value holding a NUL or a lone surrogate is refused with
    400 before any view reads it (PostgreSQL would fail on it mid-query; SQLite would keep it)."""
    for values in (request.args, request.form):
        if not all(storable(key) and storable(value) for key, value in values.items(multi=True)):
            abort(400)
