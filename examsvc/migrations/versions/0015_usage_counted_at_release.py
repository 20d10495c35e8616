"""bank usage counted when a paper is first opened after its release, not when it is sealed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        # Papers sealed before this revision were counted when they were generated.
        batch.add_column(sa.Column("usage_counted", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        batch.drop_column("usage_counted")
