"""CSRF on every state change; security headers on every response."""

from __future__ import annotations

from sqlalchemy import func, select

from examsvc.auth.models import User
from examsvc.core.db import db_session

from .conftest import PASSWORD


def test_login_without_token_is_refused(client, world):
    response = client.raw.post("/login", data={"username": "school1", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/institution").status_code == 302


def test_token_from_another_session_is_refused(client, world, app):
    other = type(client)(app)
    foreign = other.token()
    response = client.raw.post(
        "/login", data={"username": "school1", "password": PASSWORD, "csrf_token": foreign}
    )
    assert response.status_code == 400


def test_logout_without_token_is_refused(client, world):
    client.login("school1", PASSWORD)
    assert client.raw.post("/logout").status_code == 400
    assert client.get("/institution").status_code == 200  # still signed in


def test_admin_create_user_without_token_changes_nothing(client, world, app):
    world.login(client, "admin1")
    with app.app_context():
        before = db_session().scalar(select(func.count()).select_from(User))
    form = {
        "username": "sneaky",
        "display_name": "x",
        "role": "admin",
        "org_id": world.bureau,
        "password": "Sneaky-pass-123",
    }
    assert client.raw.post("/admin/users/new", data=form).status_code == 400
    with app.app_context():
        assert db_session().scalar(select(func.count()).select_from(User)) == before


def test_json_calls_carry_the_token_in_a_header(client, world):
    token = client.token()
    assert client.raw.post("/lang", data={"lang": "en"}).status_code == 400
    response = client.raw.post("/lang", data={"lang": "en"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_security_headers_on_pages_errors_and_static(client, world):
    for path in ("/login", "/nope", "/static/app.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_pages(client, world):
    world.login(client, "admin1")
    for path in ("/admin/", "/admin/users", "/admin/orgs", "/account"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html


def test_pages_that_name_people_are_kept_out_of_search_engines(client):
    """Guards: the verify blueprint's X-Robots-Tag (after_request), base.html's robots meta for it,
    and /robots.txt."""
    for path in ("/verify", "/v/not-a-token", "/s/1", "/status/revocation", "/.well-known/jwks.json"):
        answer = client.get(path)
        assert "noindex" in answer.headers.get("X-Robots-Tag", ""), path
    assert '<meta name="robots" content="noindex' in client.get("/verify").get_data(as_text=True)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /v/" in robots and "Disallow: /verify" in robots and "Disallow: /api/" in robots


def test_every_429_says_when_to_come_back(app):
    """Guard: web.security.add_security_headers sets Retry-After on a 429 that set none."""
    from flask import Response

    from examsvc.web.security import add_security_headers

    with app.test_request_context("/v/x/certificate.pdf"):
        assert add_security_headers(Response(status=429)).headers["Retry-After"] == "60"
        own = Response(status=429, headers={"Retry-After": "7"})
        assert add_security_headers(own).headers["Retry-After"] == "7"
        assert "Retry-After" not in add_security_headers(Response(status=200)).headers
