"""login throttle: growing delays per account and client instead of a lock anyone could trigger

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 07:40:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=45), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("next_try_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("username", "client", name=op.f("uq_login_throttle_username_client")),
    )
    op.create_index(op.f("ix_login_throttle_username"), "login_throttle", ["username"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttle_username"), table_name="login_throttle")
    op.drop_table("login_throttle")
