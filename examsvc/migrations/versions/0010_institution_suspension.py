"""institution suspension

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 03:45:00
"""

from alembic import op
import sqlalchemy as sa
import examsvc.core.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('institution_suspension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('suspended_by', sa.Integer(), nullable=True),
    sa.Column('created_at', examsvc.core.db.UTCDateTime(), nullable=False),
    sa.Column('lifted_at', examsvc.core.db.UTCDateTime(), nullable=True),
    sa.Column('lift_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_institution_suspension_dates')),
    sa.CheckConstraint('lifted_at IS NULL OR lift_reason IS NOT NULL', name=op.f('ck_institution_suspension_lifted_with_reason')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_institution_suspension_org_id_organisation')),
    sa.ForeignKeyConstraint(['suspended_by'], ['user_account.id'], name=op.f('fk_institution_suspension_suspended_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_suspension'))
    )
    with op.batch_alter_table('institution_suspension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_suspension_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('institution_suspension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_suspension_org_id'))
    op.drop_table('institution_suspension')
