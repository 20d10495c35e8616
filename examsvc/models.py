"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from .audit.models import AuditEvent
from .auth.models import LoginAttempt, LoginSession, User
from .orgs.models import Organisation
from .questions.models import BankDataKey, Question, QuestionVersion

__all__ = [
    "AuditEvent",
    "BankDataKey",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "Question",
    "QuestionVersion",
    "User",
]
