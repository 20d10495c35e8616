"""Translated names of codes shown to users (roles, kinds of organisation)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "officer": _l("Exam officer (bureau)"),
    "proctor": _l("Proctor (county)"),
    "institution": _l("Training institution staff"),
}

KIND_LABELS = {
    "bureau": _l("Emergency-management bureau"),
    "county": _l("County emergency department"),
    "institution": _l("Training institution"),
    "employer": _l("Employer"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# Audit actions as users read them; an action without a label shows its code.
ACTION_LABELS = {
    "user.login": _l("Signed in"),
    "user.logout": _l("Signed out"),
    "user.create": _l("Created a user"),
    "user.update": _l("Changed a user"),
    "user.password": _l("Changed a password"),
    "user.totp_enrolled": _l("Enrolled an authenticator"),
    "user.totp_reset": _l("Reset a second factor"),
    "org.create": _l("Created an organisation"),
    "org.update": _l("Changed an organisation"),
    "bank.import": _l("Imported questions"),
    "bank.export": _l("Exported the bank"),
    "bank.rotate_key": _l("Rotated the bank key"),
    "question.view": _l("Viewed a question"),
    "question.edit": _l("Edited a question"),
    "question.retired": _l("Retired a question"),
    "question.active": _l("Activated a question"),
    "question.approve": _l("Approved a question's version"),
    "question.reject": _l("Rejected a question's version"),
    "review.revised": _l("Revised a flagged question"),
    "review.retired": _l("Retired a flagged question"),
    "review.dismissed": _l("Dismissed a question's flags"),
    "itemstats.measure": _l("Measured a sitting's items"),
    "class.create": _l("Created a class"),
    "class.update": _l("Changed a class"),
    "class.submit": _l("Submitted a class"),
    "class.approve": _l("Approved a class"),
    "class.return": _l("Returned a class"),
    "class.roster_add": _l("Added trainees to a roster"),
    "class.roster_remove": _l("Removed a trainee from a roster"),
    "class.hours": _l("Recorded hours completed"),
    "sitting.schedule": _l("Scheduled a sitting"),
    "sitting.reschedule": _l("Moved a sitting"),
    "sitting.cancel": _l("Cancelled a sitting"),
    "paper.release": _l("Set a paper's release time"),
    "job.download": _l("Downloaded a prepared file"),
    "ticket.issue": _l("Issued admission tickets"),
    "photo.roster": _l("Sent a roster photo"),
    "photo.check_in": _l("Took a photo at check-in"),
    "scan.read": _l("Read a scanned answer sheet"),
    "scan.enter": _l("Entered an answer sheet as read"),
    "scan.decide": _l("Decided the uncertain marks of an answer sheet"),
    "scan.discard": _l("Set a scanned page aside"),
    "lookup.attempt": _l("A trainee looked up their record"),
    "certificate.standing_check": _l("An employer checked its staff"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


QUESTION_TYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "truefalse": _l("True/false"),
}

CATEGORY_LABELS = {
    "leader": _l("Leader in charge of safety"),
    "manager": _l("Safety manager"),
    "team_leader": _l("Team leader"),
}

CATEGORY_SHORT_LABELS = {
    "leader": _l("Leaders"),
    "manager": _l("Managers"),
    "team_leader": _l("Team leaders"),
}

INDUSTRY_LABELS = {
    "general": _l("General"),
    "coal_mine": _l("Coal mines"),
    "non_coal_mine": _l("Non-coal mines"),
    "machinery": _l("Machinery manufacturing"),
    "rail_transport": _l("Rail transport"),
    "rail_construction": _l("Rail construction"),
    "hazardous_chemicals": _l("Hazardous chemicals"),
    "building_construction": _l("Building construction"),
    "transport": _l("Transport"),
    "building_materials": _l("Building materials"),
    "metallurgy": _l("Metallurgy"),
}

# Laws keep their Chinese titles in both languages: that is how they are cited.
TOPIC_LABELS = {
    "work_safety_law": _l("Work Safety Law (安全生产法)"),
    "occupational_disease_law": _l("Occupational Disease Prevention Law (职业病防治法)"),
    "work_injury_regulations": _l("Work Injury Insurance Regulations (工伤保险条例)"),
    "social_insurance_law": _l("Social Insurance Law (社会保险法)"),
    "criminal_law": _l("Criminal Law, safety crimes (刑法)"),
    "documentary": _l("Documentary 生命重于泰山"),
    **{code: label for code, label in INDUSTRY_LABELS.items() if code != "general"},
}

STATUS_LABELS = {"draft": _l("Draft"), "active": _l("Active"), "retired": _l("Retired")}

CLASS_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for approval"),
    "returned": _l("Returned"),
    "approved": _l("Approved"),
    "exam_scheduled": _l("Exam scheduled"),
    "examined": _l("Examined"),
    "archived": _l("Archived"),
}

# Which sitting, as the Chinese-only documents (papers, the bureau's files) print it.
SITTING_KIND_ZH = {"first": "首考", "retake": "补考"}

EXAM_STATE_LABELS = {
    "awaiting_exam": _l("Awaiting the exam"),
    "passed": _l("Passed"),
    "retake_pending": _l("Retake pending"),
    "must_retrain": _l("Must retrain"),
}

SITTING_PHASE_LABELS = {
    "scheduled": _l("Scheduled (paper sealed)"),
    "released": _l("Paper released"),
    "open": _l("Exam in progress"),
    "closed": _l("Exam over, entries open"),
    "locked": _l("Locked"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}

SITTING_KIND_LABELS = {"first": _l("First sitting"), "retake": _l("Retake")}

REVIEW_LABELS = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

REVIEW_ITEM_LABELS = {
    "open": _l("Waiting for a decision"),
    "revised": _l("Revised"),
    "retired": _l("Retired"),
    "dismissed": _l("Dismissed"),
}

JOB_STATE_LABELS = {
    "queued": _l("Waiting"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}

_CODE_LABELS = {
    "sitting_phase": SITTING_PHASE_LABELS,
    "type": QUESTION_TYPE_LABELS,
    "category": CATEGORY_LABELS,
    "category_short": CATEGORY_SHORT_LABELS,
    "industry": INDUSTRY_LABELS,
    "topic": TOPIC_LABELS,
    "status": STATUS_LABELS,
    "class_status": CLASS_STATUS_LABELS,
    "exam_state": EXAM_STATE_LABELS,
    "job_state": JOB_STATE_LABELS,
    "sitting_kind": SITTING_KIND_LABELS,
    "review": REVIEW_LABELS,
    "review_item": REVIEW_ITEM_LABELS,
}


def code_label(kind: str, code: object) -> str:
    """The translated name of a code of the given kind (type, category, industry, topic, status)."""
    return str(_CODE_LABELS[kind].get(str(code), code))
