"""Alembic, driven from code: `examsvc db upgrade` and the tests use the same path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    with engine.connect() as conn:
        return is_current_on(conn)


def is_current_on(conn: Connection) -> bool:
    """Whether the database behind this connection has every migration (no new connection opened)."""
    heads = set(ScriptDirectory.from_config(alembic_config(conn.engine)).get_heads())
    return set(MigrationContext.configure(conn).get_current_heads()) == heads


def current_revision(conn: Connection) -> str:
    """The schema revision of the database behind this connection ('' before the first migration)."""
    heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads))
