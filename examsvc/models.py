"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from .audit.models import AuditEvent
from .auth.models import LoginAttempt, LoginSession, User
from .certificates.models import Certificate
from .classes.models import CandidatePhoto, Enrollment, TrainingClass
from .exams.models import (
    AdmissionTicket,
    Attempt,
    IdempotencyRecord,
    ProctorAffiliation,
    Sitting,
    SittingProctor,
)
from .itemstats.models import PaperStat
from .jobs.models import Job, JobOutput
from .orgs.models import Organisation
from .orgs.suspension import Suspension
from .oversight.models import CoverageTarget
from .papers.models import Blueprint, Paper
from .questions.models import BankDataKey, ItemStat, Question, QuestionVersion, ReviewItem
from .scans.models import AnswerScan
from .trainees.models import Trainee
from .web.ratelimit import RateCounter

__all__ = [
    "AdmissionTicket",
    "AnswerScan",
    "Attempt",
    "AuditEvent",
    "BankDataKey",
    "Blueprint",
    "CandidatePhoto",
    "Certificate",
    "CoverageTarget",
    "Enrollment",
    "IdempotencyRecord",
    "ItemStat",
    "Job",
    "JobOutput",
    "LoginAttempt",
    "LoginSession",
    "Organisation",
    "Paper",
    "PaperStat",
    "ProctorAffiliation",
    "Question",
    "QuestionVersion",
    "RateCounter",
    "ReviewItem",
    "Sitting",
    "SittingProctor",
    "Suspension",
    "Trainee",
    "TrainingClass",
    "User",
]
