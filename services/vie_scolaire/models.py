"""What the vie scolaire service owns: each establishment's settings (the
half-day boundary), its motif table and list of punishments, the period
calendar of its classes, the events entered by its vie scolaire staff (with
their history), and the families' online justifications.

Students are the accounts service's `eleve_id`; the service keeps only each
student's class (copied from accounts at import, to pick the class's periods).
"""
import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table
from common.kept_pages import PageGenerationMixin, track_changes
from common.openings import OpeningMixin

# The kinds of events (domain sheet § 2). Families see the first five, each
# behind its flag (publication.py); never the four others (guide § 3.4).
ABSENCE, RETARD, PUNITION, SANCTION, MESURE = "absence", "retard", "punition", "sanction", "mesure"
DISPENSE, STAGE, SORTIE, SIGNALEMENT = "dispense", "stage", "sortie", "signalement"
NATURES = (ABSENCE, RETARD, PUNITION, SANCTION, MESURE, DISPENSE, STAGE, SORTIE, SIGNALEMENT)

# Code de l'éducation art. R511-13: the only six sanctions, with their limits.
SANCTIONS = {
    "AVERTISSEMENT": {"libelle": "Avertissement"},
    "BLAME": {"libelle": "Blâme"},
    "RESPONSABILISATION": {"libelle": "Mesure de responsabilisation", "unite": "heures", "max": 20},
    "EXCLUSION_CLASSE": {"libelle": "Exclusion temporaire de la classe", "unite": "jours", "max": 8},
    "EXCLUSION_TEMPORAIRE": {"libelle": "Exclusion temporaire de l'établissement ou d'un service annexe",
                             "unite": "jours", "max": 8},
    "EXCLUSION_DEFINITIVE": {"libelle": "Exclusion définitive de l'établissement ou d'un service annexe"},
}
# R511-13: only sanctions 3° to 6° may carry a sursis, total or partial.
SURSIS_ALLOWED = ("RESPONSABILISATION", "EXCLUSION_CLASSE", "EXCLUSION_TEMPORAIRE", "EXCLUSION_DEFINITIVE")
SURSIS = ("total", "partiel")

# An online justification's states.
EN_ATTENTE, ACCEPTEE, REFUSEE = "en_attente", "acceptee", "refusee"


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class Opening(OpeningMixin, Base):
    pass


class EtablissementSettings(Base):
    """The school's half-day boundary (GEPI's `abs2_heure_demi_journee`); an
    establishment without a row splits the day at noon."""

    __tablename__ = "etablissement_settings"

    etablissement_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    heure_demi_journee: Mapped[dt.time] = mapped_column(Time)
    changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class Motif(Base):
    """A motif of the school's table; `parents`: a family may pick it when it
    justifies an absence online (Pronote's "Parents" column)."""

    __tablename__ = "motif"
    __table_args__ = (UniqueConstraint("etablissement_uai", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(20))
    libelle: Mapped[str] = mapped_column(String(100))
    parents: Mapped[bool] = mapped_column(Boolean)


class TypePunition(Base):
    """The school's own list of punishments (retenue, devoir supplémentaire...)."""

    __tablename__ = "type_punition"
    __table_args__ = (UniqueConstraint("etablissement_uai", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(20))
    libelle: Mapped[str] = mapped_column(String(100))


class Periode(Base):
    """One trimester or semester of a class (`classe` empty: every class of the
    establishment that has no calendar of its own)."""

    __tablename__ = "periode"
    __table_args__ = (UniqueConstraint("etablissement_uai", "annee_scolaire", "classe", "numero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    classe: Mapped[str] = mapped_column(String(40))
    numero: Mapped[int] = mapped_column(Integer)
    libelle: Mapped[str] = mapped_column(String(60))
    debut: Mapped[dt.date] = mapped_column(Date)
    fin: Mapped[dt.date] = mapped_column(Date)


class EleveClasse(Base):
    """A student's class, as accounts knew it at the last import."""

    __tablename__ = "eleve_classe"

    eleve_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    classe: Mapped[str] = mapped_column(String(40))


class Evenement(Base):
    """One event of a student's vie scolaire, as the school entered it. Never
    deleted: an "erreur de saisie" sets `annule`, and every correction keeps
    the previous values in `EvenementVersion`."""

    __tablename__ = "evenement"
    # `ref` is the event's identifier in the school's back office, so that
    # importing a file again corrects instead of duplicating.
    __table_args__ = (UniqueConstraint("etablissement_uai", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(40))
    eleve_id: Mapped[int] = mapped_column(Integer, index=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    nature: Mapped[str] = mapped_column(String(12))
    debut: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    fin: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    minutes: Mapped[int | None] = mapped_column(Integer)  # a retard
    motif_code: Mapped[str | None] = mapped_column(String(20))
    # A punishment's code in the school's list, or one of SANCTIONS.
    type_code: Mapped[str | None] = mapped_column(String(30))
    duree: Mapped[int | None] = mapped_column(Integer)  # a sanction's days or hours
    sursis: Mapped[str | None] = mapped_column(String(10))
    detail: Mapped[str | None] = mapped_column(String(500))
    justifiee: Mapped[bool] = mapped_column(Boolean)
    publiable_en_ligne: Mapped[bool] = mapped_column(Boolean)
    famille_avisee: Mapped[bool] = mapped_column(Boolean)
    # When the flag that publishes this kind was last ticked (None: not ticked).
    drapeau_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When it was entered: families see it from the next day (publication.py).
    saisie_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    annule: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)

    versions: Mapped[list["EvenementVersion"]] = relationship(order_by="EvenementVersion.version")


class EvenementVersion(Base):
    """An event's values before a correction or a cancellation."""

    __tablename__ = "evenement_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evenement_id: Mapped[int] = mapped_column(ForeignKey("evenement.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    valeurs: Mapped[dict] = mapped_column(JSON)
    remplacee_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    raison: Mapped[str] = mapped_column(String(30))  # "correction" or "erreur de saisie"


class Justification(Base):
    """A family's online justification of an absence, and the school's answer.
    The guardian's address and names are kept to tell them the answer."""

    __tablename__ = "justification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evenement_id: Mapped[int] = mapped_column(ForeignKey("evenement.id"), index=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    eleve_id: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(Integer)
    auteur: Mapped[dict] = mapped_column(JSON)  # email, prenom, nom, eleve_prenom, eleve_nom, etablissement_nom
    motif_code: Mapped[str] = mapped_column(String(20))
    commentaire: Mapped[str] = mapped_column(Text)
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_type: Mapped[str | None] = mapped_column(String(40))
    document_nom: Mapped[str | None] = mapped_column(String(120))
    deposee_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    etat: Mapped[str] = mapped_column(String(12))
    traitee_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    traitee_par: Mapped[int | None] = mapped_column(Integer)
    raison_refus: Mapped[str | None] = mapped_column(String(500))


class PageGeneration(PageGenerationMixin, Base):
    """Moves with every committed change of an establishment's rows: the
    families' pages kept by the service are keyed by it (common/kept_pages.py)."""


# An event's history is never shown; the event it belongs to names the establishment.
track_changes(Base, PageGeneration, ignored=(EvenementVersion,))
