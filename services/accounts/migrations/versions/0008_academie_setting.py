"""academie settings (the login page's welcome message, set by an operator)

Revision ID: 0008_academie_setting
Revises: 0007_news_windows
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_academie_setting'
down_revision = '0007_news_windows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('academie_setting',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('academie_setting')
