"""Response headers that every page carries."""

from __future__ import annotations

from flask import Response, request

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


NO_STORE = ("Cache-Control", "no-store")
PAGE_HEADERS = [*ALWAYS, NO_STORE]  # what a response the view set no cache policy for carries


def add_security_headers(response: Response) -> Response:
    """What every response carries. Pages may show personal data: unless the view chose a cache
    policy itself (public keys, the revocation list), nothing but static files is ever cached."""
    response.headers.update(ALWAYS)
    if request.endpoint != "static":
        response.headers.setdefault(*NO_STORE)
    return response
