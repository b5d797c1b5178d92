"""the new school year: links end instead of disappearing (when, kind, why)

Revision ID: 0009_rentree
Revises: 0008_academie_setting
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_rentree'
down_revision = '0008_academie_setting'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lien') as batch:
        batch.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('end_kind', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('end_reason', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lien') as batch:
        batch.drop_column('end_reason')
        batch.drop_column('end_kind')
        batch.drop_column('ended_on')
