"""item statistics, the review queue, and versions approved by a second officer

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 16:40:00

Every version already in the bank was imported before approvals existed: it is marked approved
(its author and reviewer unknown), so papers go on drawing what they drew. New versions are pending.
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question_version") as batch:
        batch.add_column(sa.Column("review", sa.String(length=10), nullable=False, server_default="approved"))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", examsvc.core.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("review_note", sa.String(length=300), nullable=True))
    with op.batch_alter_table("question_version") as batch:
        batch.alter_column("review", server_default="pending", existing_type=sa.String(length=10))
        batch.create_check_constraint("review", "review IN ('pending', 'approved', 'rejected')")
        batch.create_check_constraint("four_eyes", "reviewed_by IS NULL OR reviewed_by <> created_by")
    op.create_table(
        "item_stat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("sitting_starts_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("facility", sa.Float(), nullable=False),
        sa.Column("discrimination", sa.Float(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("computed_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_item_stat_question_id_question")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["question_version.id"], name=op.f("fk_item_stat_version_id_question_version")
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["exam_sitting.id"], name=op.f("fk_item_stat_sitting_id_exam_sitting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_stat")),
        sa.UniqueConstraint("sitting_id", "version_id", name=op.f("uq_item_stat_sitting_id_version_id")),
    )
    for column in ("question_id", "version_id", "sitting_id"):
        op.create_index(op.f(f"ix_item_stat_{column}"), "item_stat", [column])
    op.create_table(
        "paper_stat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("flagged_items", sa.Integer(), nullable=False),
        sa.Column("computed_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["exam_sitting.id"], name=op.f("fk_paper_stat_sitting_id_exam_sitting")
        ),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], name=op.f("fk_paper_stat_paper_id_paper")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_stat")),
        sa.UniqueConstraint("sitting_id", name=op.f("uq_paper_stat_sitting_id")),
    )
    op.create_index(op.f("ix_paper_stat_paper_id"), "paper_stat", ["paper_id"])
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'revised', 'retired', 'dismissed')", name=op.f("ck_review_item_state")
        ),
        sa.CheckConstraint(
            "state = 'open' OR (decided_by IS NOT NULL AND reason IS NOT NULL)",
            name=op.f("ck_review_item_decided"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_review_item_question_id_question")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["question_version.id"], name=op.f("fk_review_item_version_id_question_version")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_item")),
    )
    op.create_index(op.f("ix_review_item_question_id"), "review_item", ["question_id"])
    op.create_index(
        "uq_review_item_open",
        "review_item",
        ["question_id"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )


def downgrade() -> None:
    op.drop_table("review_item")
    op.drop_table("paper_stat")
    op.drop_table("item_stat")
    with op.batch_alter_table("question_version") as batch:
        batch.drop_constraint("ck_question_version_four_eyes", type_="check")
        batch.drop_constraint("ck_question_version_review", type_="check")
        for column in ("review_note", "reviewed_at", "reviewed_by", "review"):
            batch.drop_column(column)
