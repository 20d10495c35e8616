"""coverage targets

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 03:40:00
"""

from alembic import op
import sqlalchemy as sa
import examsvc.core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coverage_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', examsvc.core.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('people >= 0', name=op.f('ck_coverage_target_people')),
    sa.ForeignKeyConstraint(['set_by'], ['user_account.id'], name=op.f('fk_coverage_target_set_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_target')),
    sa.UniqueConstraint('year', 'industry', 'category', name=op.f('uq_coverage_target_year_industry_category'))
    )


def downgrade() -> None:
    op.drop_table('coverage_target')
