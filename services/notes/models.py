"""What the notes service owns: each establishment's publication settings and
opening, its subjects ("matières"), evaluations and the grades of each student.

Students are the accounts service's `eleve_id`; the notes service keeps no
copy of who they are, only their grades.
"""
import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common.idempotency import define_table
from common.kept_pages import PageGenerationMixin, track_changes
from common.openings import OpeningMixin

FIL_DE_L_EAU = "fil_de_l_eau"
ECHEANCE = "echeance"
PUBLICATION_MODES = (FIL_DE_L_EAU, ECHEANCE)

# A grade is a value or one of these codes; none of them counts in an average.
CODES = {"ABS": "Absent", "DISP": "Dispensé", "NN": "Non noté"}


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)


class Opening(OpeningMixin, Base):
    pass


class EtablissementSettings(Base):
    """How an establishment publishes its grades (FAQ: "au fil de l'eau" or "à
    échéance"); an establishment without a row publishes au fil de l'eau."""

    __tablename__ = "etablissement_settings"

    etablissement_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    publication_mode: Mapped[str] = mapped_column(String(20), default=FIL_DE_L_EAU)
    changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class Matiere(Base):
    __tablename__ = "matiere"
    __table_args__ = (UniqueConstraint("etablissement_uai", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    code: Mapped[str] = mapped_column(String(20))
    libelle: Mapped[str] = mapped_column(String(100))


class Evaluation(Base):
    __tablename__ = "evaluation"
    # `ref` is the evaluation's identifier in the school's back office, so that
    # importing the same file again updates instead of duplicating.
    __table_args__ = (UniqueConstraint("etablissement_uai", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(40))
    matiere_id: Mapped[int] = mapped_column(ForeignKey("matiere.id"), index=True)
    groupe: Mapped[str] = mapped_column(String(40))  # a class ("5A") or a group ("4C-ESP2")
    enseignants: Mapped[list] = mapped_column(JSON, default=list)
    date: Mapped[dt.date] = mapped_column(Date)
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    titre: Mapped[str] = mapped_column(String(200))
    coefficient: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    bareme: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    # "À échéance": the day its grades become visible (none: never, in that mode).
    date_publication: Mapped[dt.date | None] = mapped_column(Date)

    matiere: Mapped[Matiere] = relationship()
    notes: Mapped[list["Note"]] = relationship(back_populates="evaluation")


class Note(Base):
    """One student's grade in one evaluation: a value, or a code (CODES)."""

    __tablename__ = "note"
    __table_args__ = (UniqueConstraint("evaluation_id", "eleve_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"))
    eleve_id: Mapped[int] = mapped_column(Integer, index=True)
    valeur: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    code: Mapped[str | None] = mapped_column(String(4))
    # When the teacher entered it: "au fil de l'eau" publishes it the next day.
    saisie_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    evaluation: Mapped[Evaluation] = relationship(back_populates="notes")


class PageGeneration(PageGenerationMixin, Base):
    """Moves with every committed change of an establishment's rows: the
    families' pages kept by the service are keyed by it (common/kept_pages.py)."""


def _uai_of_note(session, note: Note) -> str:
    # A grade names its establishment through its evaluation (in the session already, as the import wrote both).
    return (note.evaluation or session.get(Evaluation, note.evaluation_id)).etablissement_uai


track_changes(Base, PageGeneration, scopes={Note: _uai_of_note})
