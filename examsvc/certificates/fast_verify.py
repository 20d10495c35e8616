"""The hot path of `POST /api/v1/verify`, answered below Flask when Redis is configured.

Employers' scripts send this request in bulk on exam-result days, and Flask's per-request work
(request context, session, sign-in, locale, hooks) costs several times what verifying does. This
WSGI layer answers the common case itself: a genuine token (signature checked once per worker,
then cached) of a certificate neither revoked nor suspended, counted against the client's limit
and its revocation bit read in one Redis round trip. It writes the same JSON, security headers and
request log line as the Flask view.

Anything else goes on to Flask untouched, which answers it the ordinary way: no Redis answer, a
token that is not genuine (counted there), look-ups by number and name, bad JSON, a lost mirror.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import Flask

from ..core.db import db_session, utcnow
from ..web import ratelimit, request_log
from ..web.security import PAGE_HEADERS
from . import revocations
from .claims import status_reference
from .problems import language, problem
from .public_views import CORS_HEADERS, COUNTED
from .status import listed_at
from .verification import TOKEN_MAX, Verdict, claims_even_if_expired, stamp

log = logging.getLogger(__name__)

PATH = "/api/v1/verify"
BODY_MAX = 2 * TOKEN_MAX  # a bigger body is no token of ours: Flask answers it

StartResponse = Callable[..., object]
BODIES_MAX = 10_000  # answers kept per worker (a few hundred bytes each)
LISTED_RECHECK_SECONDS = 10.0  # when the status list was signed: read from the database this often


class VerifyFastPath:
    def __init__(self, app: Flask, inner: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.app, self.inner = app, inner
        self.config = app.config["EXAMSVC"]
        self.redis = app.extensions["examsvc.limiter"].redis
        self.hot = revocations.HotConnection(self.redis)
        self.mirror = app.extensions["examsvc.mirror"]
        self.bodies: dict[tuple[str, str], bytes] = {}  # (token, status) -> the JSON answer
        self.listed: tuple[float, datetime | None] = (0.0, None)  # (looked at, status list signed at)
        self.times: tuple[int, bytes] = (0, b"")  # (second, the answer's opening with its times)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.inner(environ, start_response)
        started = time.perf_counter()
        body = _json_body(environ)
        answer = self._answer(body, environ) if body else None
        if answer is None:
            if body is not None:
                environ["wsgi.input"] = io.BytesIO(body)  # read here: Flask reads it again
            return self.inner(environ, start_response)
        code, data, headers = answer
        reason = "200 OK" if code == 200 else "429 Too Many Requests"
        headers = [*headers.items(), ("Content-Length", str(len(data))), *CORS_HEADERS.items()]
        if code == 429:  # the look-up window is a minute (ratelimit.redis_key(..., 60) below)
            headers.append(("Retry-After", str(60 - int(ratelimit.clock()) % 60)))  # to the window's end
        start_response(reason, headers + PAGE_HEADERS)
        request_log.write("POST", PATH, code, started, user=None)
        return [data]

    def _answer(self, body: bytes, environ: dict) -> tuple[int, bytes, dict[str, str]] | None:
        client = environ.get("REMOTE_ADDR") or "unknown"
        try:
            token = self.app.json.loads(body).get("token")
            if not isinstance(token, str) or len(token) > TOKEN_MAX:
                return None
            status, claims = claims_even_if_expired(token, self.config.resolved_key_dir(), int(time.time()))
            key = ratelimit.redis_key("verify", client, 60)
            index = status_reference(claims)[0]
            count, bit, facts = revocations.count_and_check(self.hot.send, self.mirror, key, 60, index, token)
        except Exception:  # noqa: BLE001
            # Not a genuine token (Flask counts it and says so), or Redis trouble (the database answers).
            return None
        if count > self.config.verify_limit_per_minute:
            lang = language(environ.get("HTTP_ACCEPT_LANGUAGE"))
            data, code, headers = problem(
                "too-many-requests", lang, limit=self.config.verify_limit_per_minute
            )
            return code, data, headers
        environ[COUNTED] = True  # if Flask answers after all, this look-up is counted already
        if bit == revocations.MIRROR_LOST:  # Redis restarted: rebuild; the database answers this one
            self._rebuild_mirror()
            return None
        if bit != 0:  # not in the mirror, suspended, or revoked (its date is in the database): Flask answers
            return None
        data = self.bodies.get((token, status))
        if data is None:  # a certificate's answer only changes with its status: made once per worker
            if len(self.bodies) >= BODIES_MAX:
                self.bodies.clear()
            number, _, valid_from = facts.partition(" ")
            data = self.bodies[(token, status)] = self._json(
                Verdict(status, claims).as_json(number, valid_from)
            )
        return 200, self._stamped(data), {"Content-Type": "application/json"}

    def _stamped(self, data: bytes) -> bytes:
        """The cached answer with this look-up's times put in front (the same keys as the view's);
        the times are to the second, so their JSON is made once a second."""
        now = utcnow().timestamp()  # the view's stamp (utcnow), not a rule's clock
        if now - self.listed[0] > LISTED_RECHECK_SECONDS:
            self.listed = (now, self._listed_at())
        second = int(now)
        if self.times[0] != second:
            times = self.app.json.dumps(stamp(datetime.fromtimestamp(second, UTC), self.listed[1]))
            self.times = (second, times[:-1].encode() + b",")
        return self.times[1] + data[1:]

    def _listed_at(self) -> datetime | None:
        try:
            with self.app.app_context():
                return listed_at(db_session())
        except Exception:  # noqa: BLE001 - the answer goes without it; the status itself is live
            log.warning("status list time unavailable", exc_info=True)
            return None

    def _json(self, payload: dict) -> bytes:
        return self.app.json.dumps(payload).encode() + b"\n"

    def _rebuild_mirror(self) -> None:
        try:
            with self.app.app_context():
                revocations.rebuild(self.redis, self.mirror, db_session())
        except Exception:  # noqa: BLE001 - the next look-up tries again; Flask answers this one
            log.warning("revocation mirror: rebuild failed", exc_info=True)


def _json_body(environ: dict) -> bytes | None:
    """The body of a small JSON request; None (and nothing read) for anything else."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/json":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= BODY_MAX:
        return None
    return environ["wsgi.input"].read(length)


def install(app: Flask) -> None:
    """Only with Redis: without it every look-up is counted in the database, through Flask."""
    if app.extensions["examsvc.limiter"].redis is not None:
        app.wsgi_app = VerifyFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
