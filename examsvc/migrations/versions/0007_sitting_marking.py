"""sitting marking: answer sheets graded by the server, or totals marked by hand

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exam_sitting") as batch:
        batch.add_column(sa.Column("marking", sa.String(length=10), server_default="sheet", nullable=False))
        batch.create_check_constraint("marking", "marking IN ('sheet', 'score')")


def downgrade() -> None:
    with op.batch_alter_table("exam_sitting") as batch:
        batch.drop_constraint("ck_exam_sitting_marking", type_="check")
        batch.drop_column("marking")
