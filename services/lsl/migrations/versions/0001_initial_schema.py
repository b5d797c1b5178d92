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
    op.create_table('demande',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('partie', sa.String(length=30), nullable=True),
    sa.Column('objet', sa.String(length=300), nullable=True),
    sa.Column('commentaire', sa.Text(), nullable=False),
    sa.Column('auteur_account_id', sa.Integer(), nullable=False),
    sa.Column('auteur_role', sa.String(length=20), nullable=False),
    sa.Column('auteur_prenom', sa.String(length=100), nullable=False),
    sa.Column('auteur_nom', sa.String(length=100), nullable=False),
    sa.Column('auteur_email', sa.String(length=254), nullable=True),
    sa.Column('cree_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('etat', sa.String(length=20), nullable=False),
    sa.Column('reponse', sa.Text(), nullable=True),
    sa.Column('traitee_le', sa.DateTime(timezone=True), nullable=True),
    sa.Column('traitee_par', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demande_eleve_id'), ['eleve_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demande_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('etablissement',
    sa.Column('uai', sa.String(length=8), nullable=False),
    sa.Column('nom', sa.String(length=200), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('uai')
    )
    op.create_table('livret_eleve',
    sa.Column('eleve_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('siecle_eleve_id', sa.String(length=20), nullable=False),
    sa.Column('nom', sa.String(length=100), nullable=False),
    sa.Column('prenom', sa.String(length=100), nullable=False),
    sa.Column('date_sortie', sa.Date(), nullable=True),
    sa.Column('avis_examen', sa.String(length=1), nullable=True),
    sa.Column('avis_examen_annee', sa.Integer(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('replicated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('definitif_publie_le', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('eleve_id'),
    sa.UniqueConstraint('etablissement_uai', 'siecle_eleve_id')
    )
    with op.batch_alter_table('livret_eleve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_livret_eleve_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('nomenclature',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('libelle', sa.String(length=200), nullable=False),
    sa.Column('regroupement', sa.String(length=100), nullable=True),
    sa.Column('ordre', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'code')
    )
    op.create_table('opening',
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('etablissement_uai', 'annee_scolaire')
    )
    op.create_table('replication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=True),
    sa.Column('recue_le', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acceptee', sa.Boolean(), nullable=False),
    sa.Column('rapport', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replication_etablissement_uai'), ['etablissement_uai'], unique=False)

    op.create_table('annee_livret',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('code_periode', sa.String(length=1), nullable=False),
    sa.Column('classe', sa.String(length=60), nullable=True),
    sa.Column('serie', sa.String(length=40), nullable=True),
    sa.Column('engagements', sa.JSON(), nullable=False),
    sa.Column('engagement_autre', sa.String(length=300), nullable=True),
    sa.Column('avis_engagement', sa.JSON(), nullable=True),
    sa.Column('avis_investissement', sa.JSON(), nullable=True),
    sa.Column('avis_chef_etab', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['eleve_id'], ['livret_eleve.eleve_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('eleve_id', 'annee_scolaire')
    )
    with op.batch_alter_table('annee_livret', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annee_livret_eleve_id'), ['eleve_id'], unique=False)

    op.create_table('scolarite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('eleve_id', sa.Integer(), nullable=False),
    sa.Column('ordre', sa.Integer(), nullable=False),
    sa.Column('classe', sa.String(length=80), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('etablissement', sa.String(length=200), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['eleve_id'], ['livret_eleve.eleve_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scolarite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scolarite_eleve_id'), ['eleve_id'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('annee_id', sa.Integer(), nullable=False),
    sa.Column('code_matiere', sa.String(length=6), nullable=False),
    sa.Column('modalite_election', sa.String(length=1), nullable=False),
    sa.Column('appreciation', sa.String(length=300), nullable=False),
    sa.Column('effectif', sa.Integer(), nullable=False),
    sa.Column('moyenne_groupe', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('repar_moins_huit', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('repar_huit_douze', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('repar_plus_douze', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('periodes', sa.JSON(), nullable=False),
    sa.Column('competences', sa.JSON(), nullable=False),
    sa.Column('enseignants', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['annee_id'], ['annee_livret.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_annee_id'), ['annee_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_annee_id'))

    op.drop_table('evaluation')
    with op.batch_alter_table('scolarite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scolarite_eleve_id'))

    op.drop_table('scolarite')
    with op.batch_alter_table('annee_livret', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annee_livret_eleve_id'))

    op.drop_table('annee_livret')
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replication_etablissement_uai'))

    op.drop_table('replication')
    op.drop_table('opening')
    op.drop_table('nomenclature')
    with op.batch_alter_table('livret_eleve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_livret_eleve_etablissement_uai'))

    op.drop_table('livret_eleve')
    op.drop_table('etablissement')
    with op.batch_alter_table('demande', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demande_etablissement_uai'))
        batch_op.drop_index(batch_op.f('ix_demande_eleve_id'))

    op.drop_table('demande')
