"""jobs: long work in the background, with progress and a sealed output file

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 13:10:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease", sa.String(length=32), nullable=True),
        sa.Column("queued_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("started_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("heartbeat_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("finished_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_job_state")),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"], name=op.f("fk_job_owner_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("key", name=op.f("uq_job_key")),
    )
    op.create_index(op.f("ix_job_owner_id"), "job", ["owner_id"])
    op.create_index("ix_job_state_queued_at", "job", ["state", "queued_at"])
    op.create_table(
        "job_output",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_output_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_output")),
    )


def downgrade() -> None:
    op.drop_table("job_output")
    op.drop_index("ix_job_state_queued_at", table_name="job")
    op.drop_index(op.f("ix_job_owner_id"), table_name="job")
    op.drop_table("job")
