"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from .audit.models import AuditEvent
from .auth.models import LoginAttempt, LoginSession, User
from .certificates.models import Certificate
from .classes.models import Enrollment, TrainingClass
from .exams.models import Attempt, IdempotencyRecord, ProctorAffiliation, Sitting, SittingProctor
from .jobs.models import Job, JobOutput
from .orgs.models import Organisation
from .orgs.suspension import Suspension
from .oversight.models import CoverageTarget
from .papers.models import Blueprint, Paper
from .questions.models import BankDataKey, Question, QuestionVersion
from .trainees.models import Trainee
from .web.ratelimit import RateCounter

__all__ = [
    "Attempt",
    "AuditEvent",
    "BankDataKey",
    "Blueprint",
    "Certificate",
    "CoverageTarget",
    "Enrollment",
    "IdempotencyRecord",
    "Job",
    "JobOutput",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "Paper",
    "ProctorAffiliation",
    "Question",
    "QuestionVersion",
    "RateCounter",
    "Sitting",
    "SittingProctor",
    "Suspension",
    "Trainee",
    "TrainingClass",
    "User",
]
