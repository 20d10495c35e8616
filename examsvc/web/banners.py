"""No server or framework version in any response: a banner only helps an attacker pick exploits.
Werkzeug's development server and gunicorn write their Server header themselves, below the app, so
their module-level names are set here once, when the app is made (idempotent)."""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

SERVER_NAME = "examsvc"


def hide_server_banners() -> None:
    # "Werkzeug/3.x Python/3.11" otherwise (BaseHTTPRequestHandler.version_string)
    WSGIRequestHandler.version_string = lambda self: SERVER_NAME  # type: ignore[method-assign]
    try:
        import gunicorn.http.wsgi  # noqa: PLC0415  (only where gunicorn serves: not a dependency of the app)
    except ImportError:
        return
    gunicorn.http.wsgi.SERVER = SERVER_NAME  # read by each Response; otherwise "gunicorn"
