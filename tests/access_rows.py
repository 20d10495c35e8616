"""The access matrix's vocabulary: a row (who may use a route, and what they get), the kinds of row,
and the status an allowed request with an empty form gets (tests/test_access_matrix.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .access_scene import ACTORS, ADMIN, ANON, OFFICER, OTHER_SCHOOL, PROCTOR, PROCTOR_ELSEWHERE, SCHOOL

SIGNED_IN = ACTORS[1:]
LOGIN = -1  # anonymous: GET is sent to the sign-in page (302), anything else answers 401
CSRF_EXEMPT = {("POST", "verify.api")}  # a JSON API for scripts: no cookie, nothing to forge


@dataclass(frozen=True)
class Row:
    path: str  # with {class}, {sitting}, ... filled from the scenario's objects
    allowed: dict[str, int]  # actor -> the status of a request that got through
    hidden_from: tuple[str, ...] = ()  # may use the route, but the object is not theirs: 404
    public: bool = False

    def expected(self, actor: str) -> int:
        if self.public or actor in self.allowed:
            return self.allowed.get(actor, self.allowed.get("*", 0))
        if actor in self.hidden_from:
            return 404
        return LOGIN if actor == ANON else 403


def public(path: str, ok: int = 200, signed_in: int | None = None) -> Row:
    """Anyone; `signed_in`: what a signed-in user gets instead (sent to their home page)."""
    answers = {"*": ok} if signed_in is None else {ANON: ok, "*": signed_in}
    return Row(path, answers, public=True)


def admin(path: str, ok: int = 200) -> Row:
    return Row(path, {ADMIN: ok})


def officer(path: str, ok: int = 200) -> Row:
    return Row(path, {OFFICER: ok})


def staff(path: str, ok: int = 200) -> Row:
    """Officers and admins (the audit trail)."""
    return Row(path, {OFFICER: ok, ADMIN: ok})


def signed_in(path: str, ok: int = 200) -> Row:
    return Row(path, dict.fromkeys(SIGNED_IN, ok))


def institutions(path: str, ok: int = 200) -> Row:
    """An institution's own pages that hold no particular object."""
    return Row(path, {SCHOOL: ok, OTHER_SCHOOL: ok})


def owner(path: str, ok: int = 200) -> Row:
    """The class's institution only; to another institution the class does not exist."""
    return Row(path, {SCHOOL: ok}, hidden_from=(OTHER_SCHOOL,))


def proctors(path: str, ok: int = 200) -> Row:
    return Row(path, {PROCTOR: ok, PROCTOR_ELSEWHERE: ok})


def assigned(path: str, ok: int = 200) -> Row:
    """The sitting's proctors only; to any other proctor it does not exist."""
    return Row(path, {PROCTOR: ok}, hidden_from=(PROCTOR_ELSEWHERE,))


def own_job(path: str) -> Row:
    """The person who asked for the job; every other signed-in user gets 404 (not theirs)."""
    return Row(path, {OFFICER: 200}, hidden_from=tuple(a for a in SIGNED_IN if a != OFFICER))


# The status of an allowed request with an empty form, by what the view's own rules answer:
INVALID = 400  # a JSON API or upload missing its fields
REDISPLAY = 200  # the form shown again with its errors
UNPROCESSABLE = 422  # the form shown again with its errors, said in the status too
DONE_OR_REFUSED = 302  # back to the page with a flash message (done, or refused with a reason)
