"""What the inscription service owns: the académie's campaign windows, the
assignment results (affectations) that Affelnet gives, what each assigned
lycée offers per training (languages, options, sections) and its message to
families, and each family's enrollment (dossier) with its steps.

Students are the accounts service's ids (found by INE when the results are
imported); the collège and the lycée are kept as the results name them, with
the contacts the pages and the decline notice need.
"""
import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table

# The trainings whose first-round assignment may be enrolled online (FAQ,
# domain § 2): 2nde générale et technologique, 2nde professionnelle, 2nde de
# brevet de technicien, 1re année de CAP.
FORMATIONS = {
    "2GT": "2nde générale et technologique",
    "2PRO": "2nde professionnelle",
    "2BT": "2nde de brevet de technicien",
    "CAP1": "1re année de CAP",
}

# The family's state as the lycée and the collège see it (issue 17, point 7).
SANS_REPONSE, INSCRIT, REFUSE, COMPLET = "sans_reponse", "inscrit", "refuse", "complet"
ETATS = {
    SANS_REPONSE: "Pas de réponse",
    INSCRIT: "Inscrit (en cours)",
    REFUSE: "Ne s'inscrit pas",
    COMPLET: "Inscription terminée",
}
# Step reached: 1 decide, 2 pedagogical wishes, 3 administrative data, 4 summary.
DERNIERE_ETAPE = 4


class Base(DeclarativeBase):
    pass


command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class Campagne(Base):
    """A window set by the académie's operator: from an instant to an instant
    (the FAQ's "vendredi 29 juin 14h30 au lundi 2 juillet 23h59"), for the
    rentrée of `annee_scolaire` (2027 for 2027-2028)."""

    __tablename__ = "campagne"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer, index=True)
    academie: Mapped[str] = mapped_column(String(40))
    ouverture: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    cloture: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class Lycee(Base):
    """An assigned lycée as the results describe it, and its message to
    families (guide § 3.7, "Message du lycée d'affectation")."""

    __tablename__ = "lycee"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    adresse: Mapped[str] = mapped_column(String(200), default="")
    code_postal: Mapped[str] = mapped_column(String(10), default="")
    commune: Mapped[str] = mapped_column(String(100), default="")
    academie: Mapped[str] = mapped_column(String(40))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    message: Mapped[str | None] = mapped_column(Text)
    message_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class College(Base):
    """The collège of origin: its name and the contact the decline notice
    reaches and the family is told to call."""

    __tablename__ = "college"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    prive: Mapped[bool] = mapped_column(Boolean, default=False)
    telephone: Mapped[str | None] = mapped_column(String(20))
    email_direction: Mapped[str | None] = mapped_column(String(254))


class Offre(Base):
    """What a lycée offers for one training (MEF): the languages, the
    enseignements optionnels (at most `max_options`) and the sections."""

    __tablename__ = "offre"

    lycee_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    mef: Mapped[str] = mapped_column(String(11), primary_key=True)
    lv1: Mapped[list] = mapped_column(JSON, default=list)  # [{"code", "libelle"}]
    lv2: Mapped[list] = mapped_column(JSON, default=list)
    options: Mapped[list] = mapped_column(JSON, default=list)
    sections: Mapped[list] = mapped_column(JSON, default=list)
    max_options: Mapped[int] = mapped_column(Integer, default=2)


class Affectation(Base):
    """One student's assignment result for a rentrée."""

    __tablename__ = "affectation"
    __table_args__ = (UniqueConstraint("annee_scolaire", "ine"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer)
    ine: Mapped[str] = mapped_column(String(11))
    eleve_id: Mapped[int] = mapped_column(Integer, index=True)  # accounts' id
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    college_uai: Mapped[str] = mapped_column(ForeignKey("college.uai"), index=True)
    lycee_uai: Mapped[str] = mapped_column(ForeignKey("lycee.uai"), index=True)
    mef: Mapped[str] = mapped_column(String(11))
    formation_type: Mapped[str] = mapped_column(String(10))
    formation: Mapped[str] = mapped_column(String(200))
    sections: Mapped[list] = mapped_column(JSON, default=list)  # labels given by the assignment
    tour: Mapped[int] = mapped_column(Integer)
    voeux: Mapped[list] = mapped_column(JSON, default=list)  # [{"rang", "libelle", "resultat"}]
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    lycee: Mapped[Lycee] = relationship()
    college: Mapped[College] = relationship()
    dossier: Mapped["Dossier | None"] = relationship(back_populates="affectation", uselist=False)


class Dossier(Base):
    """The family's answer, created by the first decision (step 1): one per
    assignment, so the first guardian's decision stands. What later steps
    save is kept as they go: a draft resumed until the deadline."""

    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    affectation_id: Mapped[int] = mapped_column(ForeignKey("affectation.id"), unique=True)
    etat: Mapped[str] = mapped_column(String(20))
    etape: Mapped[int] = mapped_column(Integer, default=1)  # the step the family is at
    decision_account_id: Mapped[int] = mapped_column(Integer)
    decision_prenom: Mapped[str] = mapped_column(String(100))
    decision_nom: Mapped[str] = mapped_column(String(100))
    decision_email: Mapped[str | None] = mapped_column(String(254))
    decision_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Step 2: {"lv1", "lv2", "options": [...], "section"} as codes.
    voeux: Mapped[dict | None] = mapped_column(JSON)
    # Step 3: the changes the fiche's rules cleaned, per tab.
    donnees_eleve: Mapped[dict | None] = mapped_column(JSON)
    donnees_responsable: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    complete_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    affectation: Mapped[Affectation] = relationship(back_populates="dossier")

    @property
    def decision_par(self) -> str:
        return f"{self.decision_prenom} {self.decision_nom}".strip() or "un responsable légal"
