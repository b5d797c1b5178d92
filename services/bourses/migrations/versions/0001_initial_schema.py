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
    op.create_table('bareme_echelon',
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('niveau', sa.String(length=10), nullable=False),
    sa.Column('echelon', sa.Integer(), nullable=False),
    sa.Column('montant_annuel', sa.Integer(), nullable=False),
    sa.Column('plafonds', sa.JSON(), nullable=False),
    sa.Column('charge_le', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('annee_scolaire', 'niveau', 'echelon')
    )
    op.create_table('campagne',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('niveau', sa.String(length=10), nullable=False),
    sa.Column('ouverture', sa.Date(), nullable=False),
    sa.Column('cloture', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campagne', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campagne_annee_scolaire'), ['annee_scolaire'], unique=False)

    op.create_table('demande',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('numero', sa.String(length=20), nullable=True),
    sa.Column('cle_unicite', sa.String(length=60), nullable=True),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('niveau', sa.String(length=10), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('campagne_id', sa.Integer(), nullable=False),
    sa.Column('statut', sa.String(length=20), nullable=False),
    sa.Column('demandeur_account_id', sa.Integer(), nullable=False),
    sa.Column('demandeur_role', sa.String(length=20), nullable=False),
    sa.Column('demandeur_prenom', sa.String(length=100), nullable=False),
    sa.Column('demandeur_nom', sa.String(length=100), nullable=False),
    sa.Column('demandeur_email', sa.String(length=254), nullable=True),
    sa.Column('eleve_prenom', sa.String(length=100), nullable=False),
    sa.Column('eleve_nom', sa.String(length=100), nullable=False),
    sa.Column('eleve_classe', sa.String(length=40), nullable=True),
    sa.Column('etablissement_nom', sa.String(length=200), nullable=False),
    sa.Column('situation', sa.String(length=20), nullable=True),
    sa.Column('enfants_a_charge', sa.Integer(), nullable=True),
    sa.Column('revenu_fiscal_reference', sa.Integer(), nullable=True),
    sa.Column('revenu_fiscal_reference_2', sa.Integer(), nullable=True),
    sa.Column('annee_avis', sa.Integer(), nullable=True),
    sa.Column('source_revenus', sa.String(length=30), nullable=False),
    sa.Column('estimation_echelon', sa.Integer(), nullable=True),
    sa.Column('estimation_montant', sa.Integer(), nullable=True),
    sa.Column('piece_manquante', sa.Text(), nullable=True),
    sa.Column('decision_echelon', sa.Integer(), nullable=True),
    sa.Column('decision_montant', sa.Integer(), nullable=True),
    sa.Column('motif_refus', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deposee_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decidee_le', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campagne_id'], ['campagne.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cle_unicite'),
    sa.UniqueConstraint('numero')
    )
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demande_demandeur_account_id'), ['demandeur_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demande_eleve_id'), ['eleve_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demande_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('evenement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demande_id', sa.Integer(), nullable=False),
    sa.Column('statut', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_account_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['demande_id'], ['demande.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evenement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evenement_demande_id'), ['demande_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evenement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evenement_demande_id'))

    op.drop_table('evenement')
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demande_etablissement_uai'))
        batch_op.drop_index(batch_op.f('ix_demande_eleve_id'))
        batch_op.drop_index(batch_op.f('ix_demande_demandeur_account_id'))

    op.drop_table('demande')
    with op.batch_alter_table('campagne', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campagne_annee_scolaire'))

    op.drop_table('campagne')
    op.drop_table('bareme_echelon')
