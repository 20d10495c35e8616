"""Deny by default: every view declares who may use it, and a request hook enforces it.

A view without a declaration answers 403 to everyone, and tests/test_route_guard.py fails, so a
new route cannot be reachable by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Access:
    public: bool = False
    roles: frozenset[str] = frozenset()


def public(view: F) -> F:
    view.access = Access(public=True)  # type: ignore[attr-defined]
    return view


def roles(*names: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access = Access(roles=frozenset(names))  # type: ignore[attr-defined]
        return view

    return decorate


def login_only(view: F) -> F:
    """Any signed-in user, whatever the role (own account pages, sign-out)."""
    view.access = Access(roles=frozenset({"admin", "officer", "proctor", "institution"}))  # type: ignore[attr-defined]
    return view


def access_of(endpoint: str) -> Access | None:
    if endpoint == "static":
        return Access(public=True)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def may_use(endpoint: str, role: str | None) -> bool:
    access = access_of(endpoint)
    if access is None:
        return False
    return access.public or (role is not None and role in access.roles)


def enforce_access() -> object | None:
    """before_request hook."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404/405 itself
    access = access_of(request.endpoint)
    if access is None:
        abort(403)
    if access.public:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET" and not request.path.startswith("/api/"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if current_user.role not in access.roles:
        abort(403)
    return None
