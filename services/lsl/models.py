"""What the LSL service owns: each establishment's opening, the livret of each
student as the daily replication last brought it, the families' requests
(rectification, opposition to the transmission to the bac jury) and the
replications received.

Students are the accounts service's `eleve_id`; the replication names them by
their SIECLE identifier, matched once and kept here (`LivretEleve`), so a
student who has left the establishment (and is no longer listed by accounts)
is still known to a later replication.
"""
import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table
from common.openings import OpeningMixin


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class Opening(OpeningMixin, Base):
    pass


class Etablissement(Base):
    """What the livret and the mails print of an establishment, copied from
    accounts when it replicates or opens the service."""

    __tablename__ = "etablissement"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(100), default="")
    type: Mapped[str] = mapped_column(String(20))  # "college" or "lycee"


class Nomenclature(Base):
    """A subject (kind "matiere": label and the paper livret's group heading)
    or a competence (kind "competence": label), as the replication names them."""

    __tablename__ = "nomenclature"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    libelle: Mapped[str] = mapped_column(String(200))
    regroupement: Mapped[str | None] = mapped_column(String(100))
    ordre: Mapped[int] = mapped_column(Integer, default=0)


class LivretEleve(Base):
    __tablename__ = "livret_eleve"
    __table_args__ = (UniqueConstraint("etablissement_uai", "siecle_eleve_id"),)

    eleve_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    siecle_eleve_id: Mapped[str] = mapped_column(String(20))
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    # The day the student left the establishment: the service stays open to
    # them for 5 months after it (FAQ).
    date_sortie: Mapped[dt.date | None] = mapped_column(Date)
    # The team's opinion for the bac (T, F, D, A) and the school year it was
    # given in: families see it only during that year (guide § 3.2.3).
    avis_examen: Mapped[str | None] = mapped_column(String(1))
    avis_examen_annee: Mapped[int | None] = mapped_column(Integer)
    # A digest of what the replication last said of this student: the same
    # file replayed changes nothing.
    digest: Mapped[str] = mapped_column(String(64))
    replicated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # After the results the school publishes the final livret (PDF).
    definitif_publie_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    annees: Mapped[list["AnneeLivret"]] = relationship(
        back_populates="eleve", cascade="all, delete-orphan", order_by="AnneeLivret.annee_scolaire")
    historique: Mapped[list["Scolarite"]] = relationship(
        back_populates="eleve", cascade="all, delete-orphan", order_by="Scolarite.ordre")


class AnneeLivret(Base):
    """One school year of the cycle terminal (première, terminale, a repeated one)."""

    __tablename__ = "annee_livret"
    __table_args__ = (UniqueConstraint("eleve_id", "annee_scolaire"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    eleve_id: Mapped[int] = mapped_column(ForeignKey("livret_eleve.eleve_id", ondelete="CASCADE"), index=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    code_periode: Mapped[str] = mapped_column(String(1))
    classe: Mapped[str | None] = mapped_column(String(60))  # MEF label, "TERM ST2S"
    serie: Mapped[str | None] = mapped_column(String(40))
    # The commitments (codes C, V, A, E, S) and the free "autre" one.
    engagements: Mapped[list] = mapped_column(JSON, default=list)
    engagement_autre: Mapped[str | None] = mapped_column(String(300))
    # {"texte", "nom", "prenom", "date"} or None, as the file gives them.
    avis_engagement: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    avis_investissement: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    avis_chef_etab: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    eleve: Mapped[LivretEleve] = relationship(back_populates="annees")
    evaluations: Mapped[list["EvaluationLsl"]] = relationship(
        back_populates="annee", cascade="all, delete-orphan", order_by="EvaluationLsl.id")


class EvaluationLsl(Base):
    """One subject of one year: the annual appreciation, the group's figures,
    period averages, competences and teachers."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annee_id: Mapped[int] = mapped_column(ForeignKey("annee_livret.id", ondelete="CASCADE"), index=True)
    code_matiere: Mapped[str] = mapped_column(String(6))
    modalite_election: Mapped[str] = mapped_column(String(1))
    appreciation: Mapped[str] = mapped_column(String(300))
    effectif: Mapped[int] = mapped_column(Integer)
    moyenne_groupe: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    repar_moins_huit: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    repar_huit_douze: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    repar_plus_douze: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # [{"numero", "moyenne"}]; moyenne None where the file says -1 (no valid average).
    periodes: Mapped[list] = mapped_column(JSON, default=list)
    # [{"code", "niveau"}]
    competences: Mapped[list] = mapped_column(JSON, default=list)
    enseignants: Mapped[list] = mapped_column(JSON, default=list)

    annee: Mapped[AnneeLivret] = relationship(back_populates="evaluations")


class Scolarite(Base):
    """One row of the history since 6e (guide § 3.2.4); a repeated year is two rows."""

    __tablename__ = "scolarite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    eleve_id: Mapped[int] = mapped_column(ForeignKey("livret_eleve.eleve_id", ondelete="CASCADE"), index=True)
    ordre: Mapped[int] = mapped_column(Integer)
    classe: Mapped[str] = mapped_column(String(80))
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    etablissement: Mapped[str] = mapped_column(String(200))
    commune: Mapped[str] = mapped_column(String(100))

    eleve: Mapped[LivretEleve] = relationship(back_populates="historique")


RECTIFICATION = "rectification"
OPPOSITION = "opposition"
DEMANDE_TYPES = (RECTIFICATION, OPPOSITION)
EN_ATTENTE, ACCEPTEE, REFUSEE = "en_attente", "acceptee", "refusee"


class Demande(Base):
    """A family's request to the head: rectify a piece of data, or withhold the
    livret from the bac jury (FAQ). Recorded with its author and date; staff
    record the outcome, and the author is told by mail."""

    __tablename__ = "demande"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    eleve_id: Mapped[int] = mapped_column(Integer, index=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    type: Mapped[str] = mapped_column(String(20))
    # Rectification only: which part of the livret, and what is wrong.
    partie: Mapped[str | None] = mapped_column(String(30))
    objet: Mapped[str | None] = mapped_column(String(300))
    commentaire: Mapped[str] = mapped_column(Text, default="")
    auteur_account_id: Mapped[int] = mapped_column(Integer)
    auteur_role: Mapped[str] = mapped_column(String(20))
    auteur_prenom: Mapped[str] = mapped_column(String(100))
    auteur_nom: Mapped[str] = mapped_column(String(100))
    auteur_email: Mapped[str | None] = mapped_column(String(254))
    cree_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    etat: Mapped[str] = mapped_column(String(20), default=EN_ATTENTE)
    reponse: Mapped[str | None] = mapped_column(Text)
    traitee_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    traitee_par: Mapped[int | None] = mapped_column(Integer)


class Replication(Base):
    """Each replication received: when, what it changed, or why it was refused."""

    __tablename__ = "replication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str | None] = mapped_column(String(8), index=True)
    recue_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    acceptee: Mapped[bool] = mapped_column(default=False)
    rapport: Mapped[dict] = mapped_column(JSON, default=dict)


class LivretPdf(Base):
    """The final livret's PDF as last rendered (1 to 1.5 s of fpdf2 for a
    terminale student), kept with the version of the content it was rendered
    from: a download whose content has the same version is answered with it;
    any change (a replication, a renamed subject or establishment, the exam
    opinion's year ending) gives another version and a new rendering."""
    __tablename__ = "livret_pdf"

    eleve_id: Mapped[int] = mapped_column(ForeignKey("livret_eleve.eleve_id", ondelete="CASCADE"),
                                          primary_key=True)
    # sha256 of the content the PDF shows (services/lsl/pdf.py: content_version).
    version: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
