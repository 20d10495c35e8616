"""One structured (JSON) log line per request, with nothing personal in it: the route's pattern
(`/v/<token>`, never the token: its claims hold a name), the status, the time taken, the user id."""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, Response, g, request
from flask_login import current_user

log = logging.getLogger("examsvc.requests")


def _start() -> None:
    g.request_started = time.perf_counter()


def _done(response: Response) -> Response:
    started = g.get("request_started")
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    line = {
        "method": request.method,
        "route": rule,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user": getattr(current_user, "id", None) if current_user and current_user.is_authenticated else None,
    }
    log.info(json.dumps(line, separators=(",", ":")))
    return response


def install(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_done)
    if app.config["EXAMSVC"].env != "testing" and not log.handlers:
        # One line per request on stderr (gunicorn passes it on); tests read it through pytest instead.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
