"""admission tickets (number, seat) and candidate photos (roster and check-in, sealed)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 19:40:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admission_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=False),
        sa.Column("issued_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("seat_no >= 1", name=op.f("ck_admission_ticket_seat_no")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollment.id"], name=op.f("fk_admission_ticket_enrollment_id_enrollment")
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["exam_sitting.id"], name=op.f("fk_admission_ticket_sitting_id_exam_sitting")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admission_ticket")),
        sa.UniqueConstraint("number", name=op.f("uq_admission_ticket_number")),
        sa.UniqueConstraint(
            "sitting_id", "enrollment_id", name=op.f("uq_admission_ticket_sitting_id_enrollment_id")
        ),
        sa.UniqueConstraint("sitting_id", "seat_no", name=op.f("uq_admission_ticket_sitting_id_seat_no")),
    )
    op.create_index(op.f("ix_admission_ticket_sitting_id"), "admission_ticket", ["sitting_id"])
    op.create_index(op.f("ix_admission_ticket_enrollment_id"), "admission_ticket", ["enrollment_id"])
    op.create_table(
        "candidate_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("sitting_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("taken_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"], ["enrollment.id"], name=op.f("fk_candidate_photo_enrollment_id_enrollment")
        ),
        sa.ForeignKeyConstraint(
            ["sitting_id"], ["exam_sitting.id"], name=op.f("fk_candidate_photo_sitting_id_exam_sitting")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"], ["user_account.id"], name=op.f("fk_candidate_photo_taken_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_photo")),
        sa.UniqueConstraint(
            "enrollment_id", "sitting_id", name=op.f("uq_candidate_photo_enrollment_id_sitting_id")
        ),
    )
    op.create_index(op.f("ix_candidate_photo_enrollment_id"), "candidate_photo", ["enrollment_id"])
    op.create_index(
        "uq_candidate_photo_roster",
        "candidate_photo",
        ["enrollment_id"],
        unique=True,
        sqlite_where=sa.text("sitting_id IS NULL"),
        postgresql_where=sa.text("sitting_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("candidate_photo")
    op.drop_table("admission_ticket")
