"""a paper's composition sealed: its seed moves into the sealed content (the column may be empty)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New papers keep their seed in the sealed content and their question ids as keyed hashes
    # (papers/composition.py); older papers keep both in clear and are read as they are.
    with op.batch_alter_table("paper") as batch:
        batch.alter_column("seed", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        batch.alter_column("seed", existing_type=sa.BigInteger(), nullable=False)
