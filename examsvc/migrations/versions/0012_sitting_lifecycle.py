"""sitting lifecycle: release time kept on the sitting, cancelled sittings, papers sealed until scheduled

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 04:20:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import examsvc.core.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

RELEASE_MINUTES = 60  # the setting's default when the papers of existing sittings were sealed


def upgrade() -> None:
    with op.batch_alter_table("exam_sitting") as batch:
        batch.add_column(sa.Column("release_at", examsvc.core.db.UTCDateTime(), nullable=True))
    sittings = sa.table(
        "exam_sitting",
        sa.column("id", sa.Integer()),
        sa.column("starts_at", examsvc.core.db.UTCDateTime()),
        sa.column("release_at", examsvc.core.db.UTCDateTime()),
    )
    bind = op.get_bind()
    for sitting_id, starts_at in bind.execute(sa.select(sittings.c.id, sittings.c.starts_at)).all():
        bind.execute(
            sittings.update()
            .where(sittings.c.id == sitting_id)
            .values(release_at=starts_at - timedelta(minutes=RELEASE_MINUTES))
        )
    with op.batch_alter_table("exam_sitting") as batch:
        batch.alter_column("release_at", existing_type=examsvc.core.db.UTCDateTime(), nullable=False)
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", "status IN ('scheduled', 'cancelled', 'locked', 'published')")
        batch.create_check_constraint("release_before_start", "release_at <= starts_at")
    with op.batch_alter_table("paper") as batch:
        batch.alter_column("starts_at", existing_type=examsvc.core.db.UTCDateTime(), nullable=True)
        batch.alter_column("release_at", existing_type=examsvc.core.db.UTCDateTime(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        batch.alter_column("release_at", existing_type=examsvc.core.db.UTCDateTime(), nullable=False)
        batch.alter_column("starts_at", existing_type=examsvc.core.db.UTCDateTime(), nullable=False)
    with op.batch_alter_table("exam_sitting") as batch:
        batch.drop_constraint("release_before_start", type_="check")
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", "status IN ('scheduled', 'locked', 'published')")
        batch.drop_column("release_at")
