"""answer-pattern finding kept on each published sitting

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exam_sitting") as batch:
        batch.add_column(sa.Column("suspicious_pairs", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exam_sitting") as batch:
        batch.drop_column("suspicious_pairs")
