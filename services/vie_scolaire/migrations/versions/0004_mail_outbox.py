"""mail outbox (mail requests kept with their change, common/mail_outbox.py)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from alembic import op

from common.mail_outbox_table import create_table_migration, drop_table_migration


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table_migration(op)


def downgrade() -> None:
    drop_table_migration(op)
