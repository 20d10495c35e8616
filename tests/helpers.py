"""A test client that behaves like a browser (it reads the CSRF token from the page it is on), and
the officer's sitting form sent through it."""

from __future__ import annotations

import re
import time
from datetime import datetime

from flask.testing import FlaskClient

from examsvc.core.crypto import totp
from examsvc.core.db import BEIJING

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Client:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.raw: FlaskClient = app.test_client()

    def get(self, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.raw.get(path, **kwargs)

    def token(self, page: str = "/login") -> str:
        """The CSRF token a user would find on `page` (every page carries one)."""
        response = self.raw.get(page, follow_redirects=True)
        return csrf_token_in(response.get_data(as_text=True))

    def post(self, path: str, data: dict | None = None, page: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        """Submit like a browser would from `page` (default: the same path), token included."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.token(page or path))
        return self.raw.post(path, data=form, **kwargs)

    def login(self, username: str, password: str, totp_secret: bytes | None = None):  # type: ignore[no-untyped-def]
        response = self.post("/login", {"username": username, "password": password})
        if totp_secret is not None:
            assert response.status_code == 302 and response.location.endswith("/login/totp"), (
                response.status_code
            )
            response = self.post("/login/totp", {"code": totp.code_at(totp_secret, time.time())})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):  # type: ignore[no-untyped-def]
        return self.post("/logout", page="/account")


def post_sitting(  # type: ignore[no-untyped-def]
    officer,
    class_id: int,
    starts: datetime,
    *,
    venue: str = "考场",
    kind: str = "first",
    minutes: int = 90,
    marking: str = "sheet",
    paper: bool = True,
):
    """The officer generates the class's paper (unless `paper` is False) and schedules the sitting
    through the class page's form, start in Beijing time; the answer to the sitting's form."""
    page = f"/officer/classes/{class_id}"
    if paper:
        officer.post(f"{page}/papers", {"sitting": kind}, page=page)
    form = {
        "sitting-kind": kind,
        "sitting-venue": venue,
        "sitting-county_code": "450123",
        "sitting-starts_at": starts.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"),
        "sitting-duration_minutes": str(minutes),
        "sitting-marking": marking,
    }
    return officer.post(f"{page}/sittings", form, page=page)


def job_file(client: Client, path: str, page: str):  # type: ignore[no-untyped-def]
    """Asks for work done as a background job (POST `path` as from `page`), runs what is queued here
    in the test's thread, and returns the response of the job's file; a request refused before any
    job was made returns the POST's own response (a redirect back, with the reason flashed)."""
    from examsvc.jobs.runner import run_next

    response = client.post(path, page=page)
    if response.status_code != 302 or "/jobs/" not in response.location:
        return response
    while run_next(client.app) is not None:
        pass
    return client.get(response.location + "/file")
