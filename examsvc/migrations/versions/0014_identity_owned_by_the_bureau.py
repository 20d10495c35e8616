"""identity owned by the bureau: institutions' contact and employer kept per enrolment; name changes asked

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollment") as batch:
        batch.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("phone_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("phone_masked", sa.String(length=20), nullable=True))
        batch.create_foreign_key(
            op.f("fk_enrollment_employer_id_organisation"), "organisation", ["employer_id"], ["id"]
        )
    # What each enrolment was sent with is not known for the old ones: the person's record is the
    # best account of it (the newest roster had written it there).
    columns = ("employer_id", "phone_sealed", "phone_masked")
    kinds = {"employer_id": sa.Integer(), "phone_sealed": sa.LargeBinary(), "phone_masked": sa.String()}
    enrollment = sa.table("enrollment", sa.column("trainee_id", sa.Integer()), *(sa.column(c, kinds[c]) for c in columns))
    trainee = sa.table("trainee", sa.column("id", sa.Integer()), *(sa.column(c, kinds[c]) for c in columns))
    op.execute(
        enrollment.update().values(
            {
                c: sa.select(trainee.c[c]).where(trainee.c.id == enrollment.c.trainee_id).scalar_subquery()
                for c in columns
            }
        )
    )
    op.create_table(
        "identity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=60), nullable=False),
        sa.Column("new_value", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("requested_at", examsvc.core.db.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", examsvc.core.db.UTCDateTime(), nullable=True),
        sa.Column("evidence", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_identity_change_status")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["trainee.id"], name=op.f("fk_identity_change_trainee_id_trainee")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_identity_change_decided_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_change")),
    )
    op.create_index(op.f("ix_identity_change_trainee_id"), "identity_change", ["trainee_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_identity_change_trainee_id"), table_name="identity_change")
    op.drop_table("identity_change")
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_constraint(op.f("fk_enrollment_employer_id_organisation"), type_="foreignkey")
        batch.drop_column("phone_masked")
        batch.drop_column("phone_sealed")
        batch.drop_column("employer_id")
