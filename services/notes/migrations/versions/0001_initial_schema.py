"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('etablissement_settings',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('publication_mode', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai')
    )
    op.create_table('matiere',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('libelle', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'code')
    )
    with op.batch_alter_table('matiere', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matiere_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('opening',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai', 'annee_scolaire')
    )
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('matiere_id', sa.Integer(), nullable=False),
    sa.Column('groupe', sa.String(length=40), nullable=False),
    sa.Column('enseignants', sa.JSON(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('titre', sa.String(length=200), nullable=False),
    sa.Column('coefficient', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('bareme', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('date_publication', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['matiere_id'], ['matiere.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'ref')
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_matiere_id'), ['matiere_id'], unique=False)

    op.create_table('note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('valeur', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('code', sa.String(length=4), nullable=True),
    sa.Column('saisie_le', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'eleve_id')
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_eleve_id'), ['eleve_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_eleve_id'))

    op.drop_table('note')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_matiere_id'))

    op.drop_table('evaluation')
    op.drop_table('opening')
    with op.batch_alter_table('matiere', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matiere_etablissement_uai'))

    op.drop_table('matiere')
    op.drop_table('etablissement_settings')

