"""scale indexes: the officers' trainee search by name without reading every trainee

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 14:00:00

The search is `name LIKE '%words%'` (trainees/views.py): a btree cannot serve it, and one on the
name would make PostgreSQL walk it in name order for a short word (1.4 s at a million trainees).
A trigram GIN index finds a three-character name in 0.1 ms instead of a 100 ms scan
(scripts/bench_scale.py); shorter words still scan. pg_trgm is a trusted extension: the database
owner may create it; it goes into `public` (or stays where it is), never into a scratch schema
whose drop would take other schemas' indexes with it. SQLite gets a plain index of the same name.
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.create_index("ix_trainee_name_trgm", "trainee", ["name"])
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    schema = bind.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    )
    op.execute(f'CREATE INDEX ix_trainee_name_trgm ON trainee USING gin (name "{schema}".gin_trgm_ops)')


def downgrade() -> None:
    op.drop_index("ix_trainee_name_trgm", table_name="trainee")  # the extension stays: others may use it
