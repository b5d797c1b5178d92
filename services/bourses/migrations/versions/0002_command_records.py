"""command records (idempotency keys of commands, common/idempotency.py)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('command_records',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key_hash')
    )
    op.create_index('ix_command_records_created_at', 'command_records', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_command_records_created_at', table_name='command_records')
    op.drop_table('command_records')
