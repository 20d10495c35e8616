"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from .audit.models import AuditEvent
from .auth.models import LoginAttempt, LoginSession, User
from .orgs.models import Organisation

__all__ = ["AuditEvent", "LoginAttempt", "LoginSession", "Organisation", "User"]
