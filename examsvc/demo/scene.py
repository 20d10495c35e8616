"""Demo data: the bureau, two counties, two training institutions, an employer, a user per role,
the starter question bank, classes in every state of their life, a sealed paper, a sitting ready
for check-in and one with published results and retake candidates.

Idempotent: what exists is left alone. Passwords are printed for a new user to sign in; officers
and admins enrol their authenticator at the first sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..auth.models import User
from ..auth.service import create_user
from ..classes.roster import csv_bytes
from ..core.config import Config
from ..core.keyring import Keyring
from ..core.resources import question_bank_dir
from ..orgs.models import Organisation
from ..orgs.service import create_organisation
from ..questions.authoring import bank_files, read_paths
from ..questions.cipher import BankCipher
from ..questions.models import Question
from ..questions.service import import_records
from .classes import load_demo_classes, sample_roster_with_errors
from .exams import load_demo_exam_day

DEMO_ACTOR = Actor(None, "demo")

ORGS = [
    ("bureau", "450100", "南宁市应急管理局（演示）", "450100"),
    ("county", "450123", "隆安县应急管理局（演示）", "450123"),
    ("county", "450124", "马山县应急管理局（演示）", "450124"),
    ("institution", "91450100MA5DEM0A1D", "南宁安培职业培训学校（演示）", "450103"),
    ("institution", "91450100MA5DEM0A2G", "邕江安全技术培训中心（演示）", "450105"),
    ("employer", "91450123MA5KUANG1F", "广西某矿业有限公司（演示）", "450123"),
]

# (role, username, display name, organisation code, password)
USERS = [
    ("admin", "admin", "系统管理员", "450100", "Guanli#2026"),
    ("officer", "officer", "考务科 王科长", "450100", "Kaowu#2026!"),
    ("officer", "officer2", "考务科 赵干事", "450100", "Kaowu2#2026!"),  # the second pair of eyes
    ("proctor", "proctor", "隆安县 李监考", "450123", "Jiankao#2026"),
    ("proctor", "proctor2", "隆安县 陈监考", "450123", "Jiankao#2026"),
    ("institution", "institution", "安培学校 张老师", "91450100MA5DEM0A1D", "Peixun#2026"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    note: str


def load_demo(session: Session, hasher: PasswordHasher, keyring: Keyring, config: Config) -> list[DemoLogin]:
    by_code = {}
    for kind, code, name, county in ORGS:
        org = session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
        if org is None:
            org = create_organisation(
                session, DEMO_ACTOR, kind=kind, code=code, name=name, county_code=county
            )
        by_code[code] = org
    logins = []
    for role, username, display, org_code, password in USERS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(
                session,
                DEMO_ACTOR,
                hasher,
                username=username,
                display_name=display,
                role=role,
                org_id=by_code[org_code].id,
                password=password,
            )
        note = (
            "(first sign-in enrols an authenticator app: scan the QR code)"
            if role in {"admin", "officer"}
            else ""
        )
        logins.append(DemoLogin(role, username, password, note))
    _load_starter_bank(session, keyring)
    school_a, school_b = (code for kind, code, *_ in ORGS if kind == "institution")
    created = load_demo_classes(session, keyring, config, DEMO_ACTOR, DEMO_ACTOR, school_a, school_b)
    load_demo_exam_day(session, keyring, config, DEMO_ACTOR, created)
    return logins


def write_sample_roster(folder: Path) -> Path:
    """A roster file with one mistake of each kind, for trying an upload."""
    path = folder / "roster-with-errors.csv"
    path.write_bytes(csv_bytes(sample_roster_with_errors()))
    return path


def _load_starter_bank(session: Session, keyring: Keyring) -> None:
    """The starter bank, once: a demo officer should find real questions to browse."""
    if session.scalar(select(Question.id).limit(1)) is not None:
        return
    result = read_paths(bank_files(question_bank_dir()))
    if result.problems:
        raise ValueError("the starter bank has problems: " + "; ".join(map(str, result.problems[:5])))
    # The starter bank was reviewed in its pull request: the demo's officer stands for that reviewer.
    cipher = BankCipher(session, keyring)
    import_records(session, DEMO_ACTOR, cipher, result.records, origin="question_bank", approved_by="officer")
