"""académie services as links (lien_academique, lien_ouverture)

Revision ID: 0006_liens
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_liens'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lien_academique',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nom', sa.String(length=100), nullable=False),
    sa.Column('adresse', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('types_etablissement', sa.String(length=40), nullable=False),
    sa.Column('ordinateur_seulement', sa.Boolean(), nullable=False),
    sa.Column('http_autorise', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('lien_ouverture',
    sa.Column('lien_id', sa.Integer(), nullable=False),
    sa.Column('etablissement_uai', sa.String(length=8), nullable=False),
    sa.Column('annee_scolaire', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lien_id'], ['lien_academique.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lien_id', 'etablissement_uai', 'annee_scolaire')
    )


def downgrade() -> None:
    op.drop_table('lien_ouverture')
    op.drop_table('lien_academique')
