"""command records (idempotency keys of commands, common/idempotency.py)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op

from common.idempotency import create_table_migration, drop_table_migration


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table_migration(op)


def downgrade() -> None:
    drop_table_migration(op)
