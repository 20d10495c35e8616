"""IETF token status list: suspension, the kind of a revocation, the signed list kept between changes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 10:10:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("revoke_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("suspended_at", examsvc.core.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("suspend_reason", sa.String(length=300), nullable=True))
        batch.create_check_constraint(
            "suspended_with_reason", "suspended_at IS NULL OR suspend_reason IS NOT NULL"
        )
    op.execute("UPDATE certificate SET revoke_kind = 'other' WHERE revoked_at IS NOT NULL")
    op.create_index("ix_certificate_kid_expires_at", "certificate", ["kid", "expires_at"])
    op.create_table(
        "status_list_token",
        sa.Column("list_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_status_list_token")),
    )


def downgrade() -> None:
    op.drop_table("status_list_token")
    op.drop_index("ix_certificate_kid_expires_at", table_name="certificate")
    with op.batch_alter_table("certificate") as batch:
        batch.drop_constraint("suspended_with_reason", type_="check")
        batch.drop_column("suspend_reason")
        batch.drop_column("suspended_at")
        batch.drop_column("revoke_kind")
