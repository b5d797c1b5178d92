"""page generation (the families' pages kept by the service, common/kept_pages.py)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op

from common.kept_pages import create_table_migration, drop_table_migration


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_table_migration(op)


def downgrade() -> None:
    drop_table_migration(op)
