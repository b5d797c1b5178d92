"""expired letters and the students' sex (Né le / Née le)

Revision ID: 0010_expired_letters_sexe
Revises: 0009_rentree
Create Date: 2026-11-30 22:37:38.644378
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_expired_letters_sexe'
down_revision = '0009_rentree'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('expired_letter',
    sa.Column('identifiant_hash', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('forget_after', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('identifiant_hash')
    )
    with op.batch_alter_table('expired_letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expired_letter_forget_after'), ['forget_after'], unique=False)

    op.create_table('hash_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('eleve', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sexe', sa.String(length=1), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('eleve', schema=None) as batch_op:
        batch_op.drop_column('sexe')

    op.drop_table('hash_key')
    with op.batch_alter_table('expired_letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expired_letter_forget_after'))

    op.drop_table('expired_letter')
