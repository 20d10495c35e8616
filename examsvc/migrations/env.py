"""Alembic environment: the engine comes from examsvc.core.migrate.alembic_config()."""

from __future__ import annotations

from alembic import context

from examsvc import models  # noqa: F401  (registers every table)
from examsvc.core.db import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
