"""The refusals of exam-day actions, each with the HTTP status a tablet should get."""

from __future__ import annotations

from ..core.msgid import RuleError


class ResultError(RuleError):
    """A check-in or a result is refused; `status` is the HTTP status a tablet should get."""

    def __init__(
        self, message: str, status: int = 422, problems: list | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.status = status
        self.problems = problems or []
