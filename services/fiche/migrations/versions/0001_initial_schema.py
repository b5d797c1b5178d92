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
    op.create_table('eleve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('siecle_eleve_id', sa.String(length=20), nullable=False),
    sa.Column('ine', sa.String(length=11), nullable=True),
    sa.Column('nom', sa.String(length=100), nullable=False),
    sa.Column('prenom', sa.String(length=100), nullable=False),
    sa.Column('prenom2', sa.String(length=100), nullable=True),
    sa.Column('prenom3', sa.String(length=100), nullable=True),
    sa.Column('sexe', sa.String(length=1), nullable=True),
    sa.Column('date_naissance', sa.Date(), nullable=False),
    sa.Column('naissance_pays', sa.String(length=3), nullable=True),
    sa.Column('naissance_commune_insee', sa.String(length=5), nullable=True),
    sa.Column('naissance_ville', sa.String(length=32), nullable=True),
    sa.Column('code_regime', sa.String(length=4), nullable=True),
    sa.Column('adresse_identique_rl1', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('adresse_ligne1', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne2', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne3', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne4', sa.String(length=38), nullable=True),
    sa.Column('code_postal', sa.String(length=5), nullable=True),
    sa.Column('libelle_postal', sa.String(length=32), nullable=True),
    sa.Column('code_commune_insee', sa.String(length=5), nullable=True),
    sa.Column('commune_etrangere', sa.String(length=32), nullable=True),
    sa.Column('code_pays', sa.String(length=3), nullable=True),
    sa.Column('tel_personnel', sa.String(length=20), nullable=True),
    sa.Column('tel_portable', sa.String(length=20), nullable=True),
    sa.Column('tel_professionnel', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'siecle_eleve_id')
    )
    with op.batch_alter_table('eleve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eleve_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('etablissement',
    sa.Column('uai', sa.String(length=8), nullable=False),
    sa.Column('nom', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('uai')
    )
    op.create_table('opening',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai', 'annee_scolaire')
    )
    op.create_table('responsable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('siecle_personne_id', sa.String(length=20), nullable=False),
    sa.Column('civilite', sa.String(length=5), nullable=True),
    sa.Column('nom', sa.String(length=100), nullable=False),
    sa.Column('prenom', sa.String(length=100), nullable=False),
    sa.Column('situation_emploi', sa.String(length=1), nullable=True),
    sa.Column('code_profession', sa.String(length=2), nullable=True),
    sa.Column('communication_adresse', sa.Boolean(), nullable=False),
    sa.Column('accepte_sms', sa.Boolean(), nullable=False),
    sa.Column('adresse_ligne1', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne2', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne3', sa.String(length=38), nullable=True),
    sa.Column('adresse_ligne4', sa.String(length=38), nullable=True),
    sa.Column('code_postal', sa.String(length=5), nullable=True),
    sa.Column('libelle_postal', sa.String(length=32), nullable=True),
    sa.Column('code_commune_insee', sa.String(length=5), nullable=True),
    sa.Column('commune_etrangere', sa.String(length=32), nullable=True),
    sa.Column('code_pays', sa.String(length=3), nullable=True),
    sa.Column('tel_personnel', sa.String(length=20), nullable=True),
    sa.Column('tel_portable', sa.String(length=20), nullable=True),
    sa.Column('tel_professionnel', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('etablissement_uai', 'siecle_personne_id')
    )
    with op.batch_alter_table('responsable', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responsable_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('demande',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=True),
    sa.Column('responsable_id', sa.Integer(), nullable=True),
    sa.Column('champ', sa.String(length=30), nullable=False),
    sa.Column('ancienne_valeur', sa.JSON(), nullable=True),
    sa.Column('nouvelle_valeur', sa.JSON(), nullable=True),
    sa.Column('etat', sa.String(length=12), nullable=False),
    sa.Column('demandee_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('demandeur', sa.String(length=40), nullable=False),
    sa.Column('demandeur_account_id', sa.Integer(), nullable=False),
    sa.Column('demandeur_email', sa.String(length=254), nullable=True),
    sa.Column('demandeur_prenom', sa.String(length=100), nullable=False),
    sa.Column('demandeur_nom', sa.String(length=100), nullable=False),
    sa.Column('contexte_eleve_id', sa.Integer(), nullable=False),
    sa.Column('contexte_fiche_eleve_id', sa.Integer(), nullable=False),
    sa.Column('decidee_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decidee_par', sa.Integer(), nullable=True),
    sa.Column('motif', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['contexte_fiche_eleve_id'], ['eleve.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['eleve_id'], ['eleve.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsable_id'], ['responsable.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demande_eleve_id'), ['eleve_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demande_responsable_id'), ['responsable_id'], unique=False)
        batch_op.create_index('ix_demande_uai_etat', ['etablissement_uai', 'etat'], unique=False)

    op.create_table('lien',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('responsable_id', sa.Integer(), nullable=False),
    sa.Column('niveau_responsabilite', sa.Integer(), nullable=False),
    sa.Column('code_parente', sa.String(length=2), nullable=True),
    sa.Column('rang', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['eleve_id'], ['eleve.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsable_id'], ['responsable.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('eleve_id', 'responsable_id')
    )
    with op.batch_alter_table('lien', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lien_eleve_id'), ['eleve_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lien_responsable_id'), ['responsable_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lien', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lien_responsable_id'))
        batch_op.drop_index(batch_op.f('ix_lien_eleve_id'))

    op.drop_table('lien')
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.drop_index('ix_demande_uai_etat')
        batch_op.drop_index(batch_op.f('ix_demande_responsable_id'))
        batch_op.drop_index(batch_op.f('ix_demande_eleve_id'))

    op.drop_table('demande')
    with op.batch_alter_table('responsable', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responsable_etablissement_uai'))

    op.drop_table('responsable')
    op.drop_table('opening')
    op.drop_table('etablissement')
    with op.batch_alter_table('eleve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eleve_etablissement_uai'))

    op.drop_table('eleve')
