"""correction requests: a locked or published result changes only with a second officer's approval

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "correction_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("attempt_version", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(length=10), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=True),
        sa.Column("typed", sa.String(length=1000), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f("ck_correction_request_status")),
        sa.CheckConstraint(
            "presence IN ('present', 'absent', 'refused')", name=op.f("ck_correction_request_presence")
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by <> requested_by", name=op.f("ck_correction_request_four_eyes")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["exam_attempt.id"], name=op.f("fk_correction_request_attempt_id_exam_attempt")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["user_account.id"], name=op.f("fk_correction_request_requested_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_correction_request_decided_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    op.create_index(op.f("ix_correction_request_attempt_id"), "correction_request", ["attempt_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_correction_request_attempt_id"), table_name="correction_request")
    op.drop_table("correction_request")
