"""the final livret's PDF kept with the version of its content

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('livret_pdf',
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['eleve_id'], ['livret_eleve.eleve_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('eleve_id')
    )


def downgrade() -> None:
    op.drop_table('livret_pdf')
