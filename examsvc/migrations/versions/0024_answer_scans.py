"""answer sheets read by machine: the page sealed, the reading, one in force per seat

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 23:10:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

IN_FORCE = "state IN ('entered', 'review')"


def upgrade() -> None:
    op.create_table(
        "answer_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=True),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("page_label", sa.String(length=160), nullable=False),
        sa.Column("problem", sa.String(length=300), nullable=True),
        sa.Column("problem_params", sa.Text(), nullable=True),
        sa.Column("reading", sa.Text(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('entered', 'review', 'duplicate', 'unmatched', 'discarded')",
            name=op.f("ck_answer_scan_state"),
        ),
        sa.CheckConstraint("source IN ('scanner', 'camera')", name=op.f("ck_answer_scan_source")),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["exam_sitting.id"], name=op.f("fk_answer_scan_sitting_id_exam_sitting")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollment.id"], name=op.f("fk_answer_scan_enrollment_id_enrollment")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["user_account.id"], name=op.f("fk_answer_scan_uploaded_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_answer_scan_decided_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_scan")),
    )
    op.create_index(op.f("ix_answer_scan_sitting_id"), "answer_scan", ["sitting_id"])
    op.create_index(op.f("ix_answer_scan_enrollment_id"), "answer_scan", ["enrollment_id"])
    op.create_index(
        "uq_answer_scan_seat_in_force",
        "answer_scan",
        ["sitting_id", "seat_no"],
        unique=True,
        sqlite_where=sa.text(IN_FORCE),
        postgresql_where=sa.text(IN_FORCE),
    )


def downgrade() -> None:
    op.drop_table("answer_scan")
