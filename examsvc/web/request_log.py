"""One structured (JSON) log line per request, with nothing personal in it: the route's pattern
(`/v/<token>`, never the token: its claims hold a name), the status, the time taken, the user id;
the same time goes to the latency histogram (core/metrics.py). Outside testing every examsvc.*
logger writes one JSON object a line on stderr (JsonLines), the request lines among them."""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Flask, Response, g, request
from flask.logging import default_handler

from ..core import metrics

log = logging.getLogger("examsvc.requests")
APP_LOGGER = "examsvc"  # the parent of every logger of ours, Flask's app.logger included


def _start() -> None:
    g.request_started = time.perf_counter()


def write(method: str, route: str, status: int, started: float | None, user: int | None) -> None:
    """The line itself (also written by the verification fast path, which runs below Flask)."""
    seconds = time.perf_counter() - started if started else None
    if seconds is not None:
        metrics.observe_request(method, route, status, seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    line = {
        "method": method,
        "route": route,
        "status": status,
        "ms": round(seconds * 1000, 1) if seconds is not None else None,
        "user": user,
    }
    # makeRecord + handle is log.info without the walk up the stack for the caller's file and line,
    # which no handler here prints: a fifth of this line's cost on the verification hot path.
    record = log.makeRecord(
        log.name, logging.INFO, __file__, 0, json.dumps(line, separators=(",", ":")), (), None
    )
    record.json_fields = True  # the message is a JSON object: JsonLines puts its fields in the line
    log.handle(record)


class JsonLines(logging.Formatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, then the message (a request
    line's own fields instead) and the exception's text if any. The messages are our own code's,
    which names ids and route patterns, never a person; SQL parameters are hidden (core/db.py)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        head = {"time": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname, "logger": record.name}
        if getattr(record, "json_fields", False):  # spliced, not parsed again: the verification hot path
            return json.dumps(head, separators=(",", ":"))[:-1] + "," + record.getMessage()[1:]
        head["message"] = record.getMessage()
        if record.exc_info:
            head["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            head["stack"] = self.formatStack(record.stack_info)
        return json.dumps(head, separators=(",", ":"))


def log_json_lines(stream) -> logging.Handler | None:  # type: ignore[no-untyped-def]
    """Every examsvc.* logger to `stream` as JsonLines, once per process (None: done already)."""
    parent = logging.getLogger(APP_LOGGER)
    if any(isinstance(h.formatter, JsonLines) for h in parent.handlers):
        return None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    parent.removeHandler(default_handler)  # Flask's plain-text line would say it a second time
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    parent.propagate = False  # written once here, whatever a library does to the root logger
    log.setLevel(logging.INFO)
    return handler


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
    if app.config["EXAMSVC"].env != "testing":
        # On stderr (gunicorn passes it on); tests read the records through pytest instead.
        log_json_lines(sys.stderr)
