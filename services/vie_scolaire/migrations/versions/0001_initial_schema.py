"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eleve_classe',
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('classe', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('eleve_id')
    )
    op.create_table('etablissement_settings',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('heure_demi_journee', sa.Time(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai')
    )
    op.create_table('evenement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('nature', sa.String(length=12), nullable=False),
    sa.Column('debut', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fin', sa.DateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('motif_code', sa.String(length=20), nullable=True),
    sa.Column('type_code', sa.String(length=30), nullable=True),
    sa.Column('duree', sa.Integer(), nullable=True),
    sa.Column('sursis', sa.String(length=10), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('justifiee', sa.Boolean(), nullable=False),
    sa.Column('publiable_en_ligne', sa.Boolean(), nullable=False),
    sa.Column('famille_avisee', sa.Boolean(), nullable=False),
    sa.Column('drapeau_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('saisie_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('annule', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'ref')
    )
    with op.batch_alter_table('evenement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evenement_eleve_id'), ['eleve_id'], unique=False)

    op.create_table('motif',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('libelle', sa.String(length=100), nullable=False),
    sa.Column('parents', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'code')
    )
    op.create_table('opening',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai', 'annee_scolaire')
    )
    op.create_table('periode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('classe', sa.String(length=40), nullable=False),
    sa.Column('numero', sa.Integer(), nullable=False),
    sa.Column('libelle', sa.String(length=60), nullable=False),
    sa.Column('debut', sa.Date(), nullable=False),
    sa.Column('fin', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'annee_scolaire', 'classe', 'numero')
    )
    op.create_table('type_punition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('libelle', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'code')
    )
    op.create_table('evenement_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evenement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('valeurs', sa.JSON(), nullable=False),
    sa.Column('remplacee_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('raison', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['evenement_id'], ['evenement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evenement_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evenement_version_evenement_id'), ['evenement_id'], unique=False)

    op.create_table('justification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evenement_id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('auteur', sa.JSON(), nullable=False),
    sa.Column('motif_code', sa.String(length=20), nullable=False),
    sa.Column('commentaire', sa.Text(), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=True),
    sa.Column('document_type', sa.String(length=40), nullable=True),
    sa.Column('document_nom', sa.String(length=120), nullable=True),
    sa.Column('deposee_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('etat', sa.String(length=12), nullable=False),
    sa.Column('traitee_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('traitee_par', sa.Integer(), nullable=True),
    sa.Column('raison_refus', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['evenement_id'], ['evenement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('justification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_justification_etablissement_uai'), ['etablissement_uai'], unique=False)
        batch_op.create_index(batch_op.f('ix_justification_evenement_id'), ['evenement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('justification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_justification_evenement_id'))
        batch_op.drop_index(batch_op.f('ix_justification_etablissement_uai'))

    op.drop_table('justification')
    with op.batch_alter_table('evenement_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evenement_version_evenement_id'))

    op.drop_table('evenement_version')
    op.drop_table('type_punition')
    op.drop_table('periode')
    op.drop_table('opening')
    op.drop_table('motif')
    with op.batch_alter_table('evenement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evenement_eleve_id'))

    op.drop_table('evenement')
    op.drop_table('etablissement_settings')
    op.drop_table('eleve_classe')
