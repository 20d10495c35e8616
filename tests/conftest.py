"""Fixtures: one migrated database per run, one rolled-back transaction per test.

EXAMSVC_TEST_DATABASE_URL picks the engine (default: an SQLite file). A PostgreSQL URL gets a
schema of its own for the run, dropped at the end, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, select

from examsvc import Config, create_app
from examsvc.audit.service import SYSTEM
from examsvc.auth import service as users
from examsvc.auth.models import User
from examsvc.core.crypto import totp
from examsvc.core.db import db_session, make_engine
from examsvc.core.migrate import upgrade_database
from examsvc.core.scratch import scratch_database
from examsvc.exams.models import Sitting
from examsvc.orgs.service import create_organisation
from examsvc.web import ratelimit

from .helpers import Client, post_sitting
from .paper_helpers import approved_class

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Property tests judge answers, not speed: a CI machine busy elsewhere must not fail them for
# generating examples slowly. Settings written on a test start from this profile.
settings.register_profile("examsvc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("examsvc")
PASSWORD = "Correct-horse-9"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = scratch_database(tmp_path_factory.mktemp("db"), os.environ.get("EXAMSVC_TEST_DATABASE_URL"))
    yield url
    drop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade_database(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


def make_test_config(
    instance_dir: Path, database_url: str, key_dir: Path | None = None, **overrides: object
) -> Config:
    return Config(
        env="testing",
        instance_dir=instance_dir,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        key_dir=key_dir or instance_dir / "keys",
        cookie_secure=False,
        argon2_time_cost=1,
        argon2_memory_kib=1024,  # fast hashes in tests; production uses the defaults
    ).with_overrides(overrides)


@pytest.fixture(autouse=True)
def pinned_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate-limit windows are fixed minutes: pinned for the test, so that a minute turning over
    between two look-ups does not reset a count a test is counting on (CI met that once)."""
    now = time.time()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(engine: Engine, database_url: str, key_dir: Path, tmp_path: Path, config_overrides: dict):  # type: ignore[no-untyped-def]
    overrides = {"key_dir": key_dir, **config_overrides}
    with bound_app(engine, make_test_config(tmp_path, database_url, **overrides)) as application:
        yield application


@contextmanager
def bound_app(engine: Engine, config: Config):  # type: ignore[no-untyped-def]
    """An app whose every session runs inside one outer transaction, rolled back at the end."""
    application = create_app(config)
    connection = engine.connect()
    outer = connection.begin()
    application.extensions["examsvc.db"].bind_to_connection(connection)
    try:
        yield application
    finally:
        outer.rollback()
        connection.close()
        application.extensions["examsvc.db"].engine.dispose()


@pytest.fixture
def client(app) -> Client:  # type: ignore[no-untyped-def]
    return Client(app)


class World:
    """The organisations and one user per role that most tests need."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        with app.app_context():
            s = db_session()
            org = lambda kind, code, name: create_organisation(  # noqa: E731
                s, SYSTEM, kind=kind, code=code, name=name, county_code="450123"
            )
            self.bureau = org("bureau", "450100", "测试市应急管理局").id
            self.county = org("county", "450123", "测试县应急管理局").id
            self.institution = org("institution", "91450100MA5TEAM01C", "测试培训学校").id
            self.other_institution = org("institution", "91450100MA5TEAM02F", "另一培训学校").id
            self.totp_secrets: dict[str, bytes] = {}
            for role, name, org_id in (
                ("admin", "admin1", self.bureau),
                ("officer", "officer1", self.bureau),
                ("proctor", "proctor1", self.county),
                ("proctor", "proctor2", self.county),  # a sitting needs two proctors
                ("institution", "school1", self.institution),
            ):
                self.make_user(s, role, name, org_id)
            s.commit()

    def make_user(self, s, role: str, username: str, org_id: int) -> None:  # type: ignore[no-untyped-def]
        hasher = self.app.extensions["examsvc.hasher"]
        user = users.create_user(
            s,
            SYSTEM,
            hasher,
            username=username,
            display_name=username,
            role=role,
            org_id=org_id,
            password=PASSWORD,
        )
        if role in {"admin", "officer"}:
            # Enrolled ahead, so tests can sign in; the enrolment flow has tests of its own.
            keyring = self.app.extensions["examsvc.keys"]
            enrolment = users.begin_totp_enrolment(s, keyring.personal_data, user, "examsvc")
            secret = _b32decode(enrolment.secret_base32)
            self.totp_secrets[username] = secret
            # A code of the previous step confirms enrolment without using up the current one.
            assert users.check_totp(
                s,
                keyring.personal_data_keys(),
                user,
                totp.code_at(secret, time.time() - 30),
                time.time(),
            )

    def login(self, client: Client, username: str) -> None:
        secret = self.totp_secrets.get(username)
        client.login(username, PASSWORD, secret)


def _b32decode(value: str) -> bytes:
    import base64

    return base64.b32decode(value + "=" * (-len(value) % 8))


@pytest.fixture
def world(app) -> World:  # type: ignore[no-untyped-def]
    return World(app)


@pytest.fixture
def officer(app, world) -> Client:  # type: ignore[no-untyped-def]
    """A client signed in as the world's exam officer (password and TOTP)."""
    client = Client(app)
    world.login(client, "officer1")
    return client


def new_user_client(app, world, role: str, username: str, org_id: int) -> Client:  # type: ignore[no-untyped-def]
    """A user the world did not have, made and signed in."""
    with app.app_context():
        world.make_user(db_session(), role, username, org_id)
        db_session().commit()
    client = Client(app)
    world.login(client, username)
    return client


def second_officer_client(app, world) -> Client:  # type: ignore[no-untyped-def]
    """Another exam officer of the bureau, signed in: the second pair of eyes on a correction."""
    return new_user_client(app, world, "officer", "officer2", world.bureau)


@pytest.fixture
def second_officer(app, world) -> Client:  # type: ignore[no-untyped-def]
    return second_officer_client(app, world)


@pytest.fixture
def sitting(app, world, officer):  # type: ignore[no-untyped-def]
    """An approved class, its released paper, a sitting that started, two proctors assigned."""
    return schedule_sitting(app, officer, approved_class(app, world), "first")


def schedule_sitting(  # type: ignore[no-untyped-def]
    app, officer, class_id: int, kind: str, marking: str = "sheet", venue: str = "考场", started: bool = True
):
    """Through the officer's pages: the paper, a sitting 10 minutes ahead, every proctor; then
    (`started`) the app's clock moves on 15 minutes, so the sitting started 5 minutes ago."""
    clock = app.extensions["examsvc.clock"]
    post_sitting(
        officer, class_id, clock.now() + timedelta(minutes=10), venue=venue, kind=kind, marking=marking
    )
    with app.app_context():
        s = db_session()
        st = s.scalar(select(Sitting).where(Sitting.class_id == class_id, Sitting.kind == kind))
        ids = list(s.scalars(select(User.id).where(User.role == "proctor")))
    assert officer.post(f"/officer/sittings/{st.id}/proctors", {"proctors": ids}).status_code == 302
    if started:
        clock.advance(timedelta(minutes=15))
    return st


@pytest.fixture
def school(app, world):  # type: ignore[no-untyped-def]
    """Signed in as the institution of `world`."""
    client = Client(app)
    world.login(client, "school1")
    return client


@pytest.fixture
def tablet(app):  # type: ignore[no-untyped-def]
    client = Client(app)
    client.login("proctor1", PASSWORD)
    return client
