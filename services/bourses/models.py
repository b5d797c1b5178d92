"""What the bourses service owns: the barème of each school year (ceilings
and amounts per échelon, collège and lycée), the académie's campaign windows,
and the families' applications ("demandes") with their history.

Students and guardians are the accounts service's ids. An application keeps
the names, the establishment and the applicant's address as they were when it
was filed, as a paper form would: the school reviews, and the family is
written to, from what was filed.
"""
import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table

COLLEGE, LYCEE = "college", "lycee"
NIVEAUX = (COLLEGE, LYCEE)
# Collège: 3 échelons; lycée: 6 (domain § 1). Échelon 1 has the highest ceiling
# and the smallest amount.
ECHELONS = {COLLEGE: 3, LYCEE: 6}
# Dependent children: 8 and more share the last column.
MAX_ENFANTS_COLONNE = 8

# A household situation of the form (contract.bourses.SITUATIONS): two notices.
VIE_MARITALE = "vie_maritale"

# Where the reference tax income came from: typed by the family here; a real
# deployment would fetch it from the tax administration (services/bourses/fiscal.py).
SAISIE_FAMILLE, ADMINISTRATION_FISCALE = "saisie_famille", "administration_fiscale"

BROUILLON = "brouillon"
DEPOSEE = "deposee"
COMPLETE = "complete"
PIECE_MANQUANTE = "piece_manquante"
ACCORDEE = "accordee"
REFUSEE = "refusee"
STATUTS = {
    BROUILLON: "Brouillon",
    DEPOSEE: "Déposée, en attente d'examen",
    COMPLETE: "Dossier complet, en cours d'examen",
    PIECE_MANQUANTE: "Pièce manquante",
    ACCORDEE: "Bourse accordée",
    REFUSEE: "Bourse refusée",
}
DECIDEE = (ACCORDEE, REFUSEE)


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class BaremeEchelon(Base):
    """One échelon of one school year's barème: its yearly amount and its
    ceilings (maximum reference tax income, in euros) for 1 to 8+ dependent
    children. Loaded as data each year (load_bareme), never computed."""

    __tablename__ = "bareme_echelon"

    annee_scolaire: Mapped[int] = mapped_column(Integer, primary_key=True)
    niveau: Mapped[str] = mapped_column(String(10), primary_key=True)
    echelon: Mapped[int] = mapped_column(Integer, primary_key=True)
    montant_annuel: Mapped[int] = mapped_column(Integer)
    plafonds: Mapped[list] = mapped_column(JSON)  # 8 integers: 1 child, 2, ..., 8 and more
    charge_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Campagne(Base):
    """A window set by the académie's operator during which families of every
    collège (or lycée) of the académie may apply, for a school year. The days
    are French calendar days, both included."""

    __tablename__ = "campagne"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer, index=True)
    niveau: Mapped[str] = mapped_column(String(10))
    ouverture: Mapped[dt.date] = mapped_column(Date)
    cloture: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class Demande(Base):
    __tablename__ = "demande"
    # Set when filed: "college:<eleve>:<year>" or "lycee:<eleve>:<year>", so two
    # filings racing for the same student cannot both be stored. Drafts have none.
    __table_args__ = (UniqueConstraint("cle_unicite"), UniqueConstraint("numero"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    numero: Mapped[str | None] = mapped_column(String(20))  # the acknowledgement's number
    cle_unicite: Mapped[str | None] = mapped_column(String(60))
    eleve_id: Mapped[int] = mapped_column(Integer, index=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    niveau: Mapped[str] = mapped_column(String(10))
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    campagne_id: Mapped[int] = mapped_column(ForeignKey("campagne.id"))
    statut: Mapped[str] = mapped_column(String(20), default=BROUILLON)

    demandeur_account_id: Mapped[int] = mapped_column(Integer, index=True)
    demandeur_role: Mapped[str] = mapped_column(String(20))
    demandeur_prenom: Mapped[str] = mapped_column(String(100), default="")
    demandeur_nom: Mapped[str] = mapped_column(String(100), default="")
    demandeur_email: Mapped[str | None] = mapped_column(String(254))
    eleve_prenom: Mapped[str] = mapped_column(String(100), default="")
    eleve_nom: Mapped[str] = mapped_column(String(100), default="")
    eleve_classe: Mapped[str | None] = mapped_column(String(40))
    etablissement_nom: Mapped[str] = mapped_column(String(200), default="")

    # The form; every field may be empty in a draft.
    situation: Mapped[str | None] = mapped_column(String(20))
    enfants_a_charge: Mapped[int | None] = mapped_column(Integer)
    revenu_fiscal_reference: Mapped[int | None] = mapped_column(Integer)
    revenu_fiscal_reference_2: Mapped[int | None] = mapped_column(Integer)
    annee_avis: Mapped[int | None] = mapped_column(Integer)
    source_revenus: Mapped[str] = mapped_column(String(30), default=SAISIE_FAMILLE)

    # The estimate shown at the end of the entry, from the barème at that instant.
    estimation_echelon: Mapped[int | None] = mapped_column(Integer)
    estimation_montant: Mapped[int | None] = mapped_column(Integer)
    # The school's review.
    piece_manquante: Mapped[str | None] = mapped_column(Text)
    decision_echelon: Mapped[int | None] = mapped_column(Integer)
    decision_montant: Mapped[int | None] = mapped_column(Integer)
    motif_refus: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deposee_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decidee_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    campagne: Mapped[Campagne] = relationship()
    historique: Mapped[list["Evenement"]] = relationship(back_populates="demande", order_by="Evenement.id")


class Evenement(Base):
    """Each change of an application's status, with who made it."""

    __tablename__ = "evenement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id", ondelete="CASCADE"), index=True)
    statut: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    by_account_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)

    demande: Mapped[Demande] = relationship(back_populates="historique")
