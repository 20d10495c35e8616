"""One structured (JSON) log line per request, with nothing personal in it: the route's pattern
(`/v/<token>`, never the token: its claims hold a name), the status, the time taken, the user id."""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, Response, g, request

log = logging.getLogger("examsvc.requests")


def _start() -> None:
    g.request_started = time.perf_counter()


def write(method: str, route: str, status: int, started: float | None, user: int | None) -> None:
    """The line itself (also written by the verification fast path, which runs below Flask)."""
    if not log.isEnabledFor(logging.INFO):
        return
    line = {
        "method": method,
        "route": route,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user": user,
    }
    # makeRecord + handle is log.info without the walk up the stack for the caller's file and line,
    # which no handler here prints: a fifth of this line's cost on the verification hot path.
    log.handle(
        log.makeRecord(log.name, logging.INFO, __file__, 0, json.dumps(line, separators=(",", ":")), (), None)
    )


def route() -> str:
    """The request's route pattern, never its path: on /v/<token> the path is a certificate token,
    whose claims hold a name."""
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def _done(response: Response) -> Response:
    rule = route()
    # The user only if this request loaded one (Flask-Login keeps it in g._login_user): a log line must
    # never query the database itself — not least when the database is what failed.
    loaded = g.get("_login_user")
    user = loaded.id if loaded is not None and loaded.is_authenticated else None
    write(request.method, rule, response.status_code, g.get("request_started"), user)
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
