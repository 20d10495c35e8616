"""sitting moves: an officer moves a candidate to another sitting of the same kind, with a reason

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 07:00:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sitting_move",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("from_sitting_id", sa.Integer(), nullable=True),
        sa.Column("to_sitting_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("moved_by", sa.Integer(), nullable=False),
        sa.Column("moved_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('first', 'retake')", name=op.f("ck_sitting_move_kind")),
        sa.CheckConstraint(
            "from_sitting_id IS NULL OR from_sitting_id <> to_sitting_id", name=op.f("ck_sitting_move_elsewhere")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollment.id"], name=op.f("fk_sitting_move_enrollment_id_enrollment")
        ),
        sa.ForeignKeyConstraint(
            ["from_sitting_id"], ["exam_sitting.id"], name=op.f("fk_sitting_move_from_sitting_id_exam_sitting")
        ),
        sa.ForeignKeyConstraint(
            ["to_sitting_id"], ["exam_sitting.id"], name=op.f("fk_sitting_move_to_sitting_id_exam_sitting")
        ),
        sa.ForeignKeyConstraint(
            ["moved_by"], ["user_account.id"], name=op.f("fk_sitting_move_moved_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sitting_move")),
    )
    op.create_index(op.f("ix_sitting_move_enrollment_id"), "sitting_move", ["enrollment_id"])
    op.create_index(op.f("ix_sitting_move_to_sitting_id"), "sitting_move", ["to_sitting_id"])
    with op.batch_alter_table("enrollment") as batch:
        batch.add_column(sa.Column("placed_elsewhere", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_column("placed_elsewhere")
    op.drop_index(op.f("ix_sitting_move_to_sitting_id"), table_name="sitting_move")
    op.drop_index(op.f("ix_sitting_move_enrollment_id"), table_name="sitting_move")
    op.drop_table("sitting_move")
