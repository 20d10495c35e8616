"""Error pages: a clear message in the user's language, never a stack trace.

An unhandled exception reaches the HTTPException handler as InternalServerError after Flask has
logged it (outside testing, where it propagates to the test instead).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from . import request_log

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You do not have permission to open this page."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        429: _("Too many attempts. Please wait a few minutes and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, message: str):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=message, status=code), code
    return render_template("errors/error.html", code=code, message=message), code


def register_error_handlers(app: Flask) -> None:
    def log_exception(exc_info) -> None:  # type: ignore[no-untyped-def]
        # Flask's own line names request.path (a certificate token on /v/<token>).
        app.logger.error("Exception on %s [%s]", request_log.route(), request.method, exc_info=exc_info)

    app.log_exception = log_exception  # type: ignore[method-assign]

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        return _render(
            400,
            _("The form has expired or was not sent from this site. Reload the page and try again."),
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):  # type: ignore[no-untyped-def]
        # The database is down, restarting or (SQLite) busy: say so, and that nothing was saved (the
        # request's transaction is rolled back when its session closes). The next request tries again.
        log.warning("database unavailable: %s", type(exc.orig).__name__ if exc.orig else "OperationalError")
        message = _("The database cannot be reached just now. Nothing was saved; try again in a minute.")
        if _wants_json():
            response = make_response(jsonify(error=message, status=503), 503)
        else:
            # Straight from the Jinja environment: the context processors would load the signed-in
            # user, from the database that is away.
            page = current_app.jinja_env.get_template("errors/unavailable.html").render(message=message)
            response = make_response(page, 503)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        return _render(code, _messages().get(code, exc.description or ""))
