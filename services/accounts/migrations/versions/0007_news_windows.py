"""cumulative news kinds (a running total over each item's window)

Revision ID: 0007_news_windows
Revises: 0006_liens
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_news_windows'
down_revision = '0006_liens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('news_item') as batch:
        batch.add_column(sa.Column('visible_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('news_kind') as batch:
        batch.add_column(sa.Column('cumulative', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.alter_column('cumulative', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('news_kind') as batch:
        batch.drop_column('cumulative')
    with op.batch_alter_table('news_item') as batch:
        batch.drop_column('visible_until')
