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


def headers_for(endpoint: str | None) -> list[tuple[str, str]]:
    """What every response carries. Pages may show personal data: unless the view chose a cache
    policy itself (public keys, the revocation list), nothing but static files is ever cached."""
    return [*ALWAYS, ("Cache-Control", "no-store")] if endpoint != "static" else list(ALWAYS)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in headers_for(request.endpoint):
        if name == "Cache-Control":
            headers.setdefault(name, value)
        else:
            headers[name] = value
    return response
