"""What the fiche service owns: its copy of each establishment's SIECLE record
(students, persons, the links between them), the change requests families
send, field by field, and the openings.

The copy comes from the establishment's SIECLE exports through the fiche's own
import (docs/fiche.md says why); accounts keeps its own, smaller copy for the
accounts. Students and persons are keyed by their SIECLE identifiers within an
establishment.
"""
import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table
from common.openings import OpeningMixin

EN_ATTENTE, ACCEPTEE, REFUSEE = "en_attente", "acceptee", "refusee"


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class Opening(OpeningMixin, Base):
    pass


class Etablissement(Base):
    """Only the name, for the confirmation e-mails."""

    __tablename__ = "etablissement"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))


class AdresseMixin:
    """SIECLE's address block (LIGNE1..4_ADRESSE ≤ 38, CODE_POSTAL and
    LIBELLE_POSTAL in France, COMMUNE_ETRANGERE abroad, CODE_PAYS)."""

    adresse_ligne1: Mapped[str | None] = mapped_column(String(38))
    adresse_ligne2: Mapped[str | None] = mapped_column(String(38))
    adresse_ligne3: Mapped[str | None] = mapped_column(String(38))
    adresse_ligne4: Mapped[str | None] = mapped_column(String(38))
    code_postal: Mapped[str | None] = mapped_column(String(5))
    libelle_postal: Mapped[str | None] = mapped_column(String(32))
    code_commune_insee: Mapped[str | None] = mapped_column(String(5))
    commune_etrangere: Mapped[str | None] = mapped_column(String(32))
    code_pays: Mapped[str | None] = mapped_column(String(3))


class TelephonesMixin:
    tel_personnel: Mapped[str | None] = mapped_column(String(20))
    tel_portable: Mapped[str | None] = mapped_column(String(20))
    tel_professionnel: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))


class Eleve(AdresseMixin, TelephonesMixin, Base):
    __tablename__ = "eleve"
    __table_args__ = (UniqueConstraint("etablissement_uai", "siecle_eleve_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    siecle_eleve_id: Mapped[str] = mapped_column(String(20))
    ine: Mapped[str | None] = mapped_column(String(11))
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    prenom2: Mapped[str | None] = mapped_column(String(100))
    prenom3: Mapped[str | None] = mapped_column(String(100))
    sexe: Mapped[str | None] = mapped_column(String(1))
    date_naissance: Mapped[dt.date] = mapped_column(Date)
    naissance_pays: Mapped[str | None] = mapped_column(String(3))
    # Kept as registered, even when the commune has merged since (never re-derived).
    naissance_commune_insee: Mapped[str | None] = mapped_column(String(5))
    naissance_ville: Mapped[str | None] = mapped_column(String(32))
    # Shown, never editable online (guide § 3.3).
    code_regime: Mapped[str | None] = mapped_column(String(4))
    # The student lives at their legal representative n°1's address.
    adresse_identique_rl1: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    liens: Mapped[list["Lien"]] = relationship(back_populates="eleve", cascade="all, delete-orphan")


class Responsable(AdresseMixin, TelephonesMixin, Base):
    """A SIECLE PERSONNE of the establishment."""

    __tablename__ = "responsable"
    __table_args__ = (UniqueConstraint("etablissement_uai", "siecle_personne_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), index=True)
    siecle_personne_id: Mapped[str] = mapped_column(String(20))
    civilite: Mapped[str | None] = mapped_column(String(5))
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    # Not in any SIECLE export (SIECLE_FORMAT § 6): only what families enter here.
    situation_emploi: Mapped[str | None] = mapped_column(String(1))
    code_profession: Mapped[str | None] = mapped_column(String(2))
    communication_adresse: Mapped[bool] = mapped_column(Boolean, default=False)
    accepte_sms: Mapped[bool] = mapped_column(Boolean, default=False)

    liens: Mapped[list["Lien"]] = relationship(back_populates="responsable", cascade="all, delete-orphan")


class Lien(Base):
    __tablename__ = "lien"
    __table_args__ = (UniqueConstraint("eleve_id", "responsable_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    eleve_id: Mapped[int] = mapped_column(ForeignKey("eleve.id", ondelete="CASCADE"), index=True)
    responsable_id: Mapped[int] = mapped_column(ForeignKey("responsable.id", ondelete="CASCADE"), index=True)
    niveau_responsabilite: Mapped[int] = mapped_column(Integer)
    code_parente: Mapped[str | None] = mapped_column(String(2))
    # 1 or 2 among the legal representatives (SIECLE no longer says: derived
    # at import as GEPI does), None for others.
    rang: Mapped[int | None] = mapped_column(Integer)

    eleve: Mapped[Eleve] = relationship(back_populates="liens")
    responsable: Mapped[Responsable] = relationship(back_populates="liens")


class Demande(Base):
    """One field's change request: the student's field (`eleve_id`) or a
    person's own (`responsable_id`). Pending until the school accepts or
    refuses it; a second edit of the same pending field replaces the first
    (the last change wins)."""

    __tablename__ = "demande"
    __table_args__ = (Index("ix_demande_uai_etat", "etablissement_uai", "etat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8))
    eleve_id: Mapped[int | None] = mapped_column(ForeignKey("eleve.id", ondelete="CASCADE"), index=True)
    responsable_id: Mapped[int | None] = mapped_column(ForeignKey("responsable.id", ondelete="CASCADE"), index=True)
    champ: Mapped[str] = mapped_column(String(30))
    ancienne_valeur: Mapped[object] = mapped_column(JSON, nullable=True)
    nouvelle_valeur: Mapped[object] = mapped_column(JSON, nullable=True)
    etat: Mapped[str] = mapped_column(String(12), default=EN_ATTENTE)
    demandee_le: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Who: "responsable:<id>" or "eleve:<id>" (fiche ids), their account, and
    # where the confirmation mail goes (the account's address when they asked).
    demandeur: Mapped[str] = mapped_column(String(40))
    demandeur_account_id: Mapped[int] = mapped_column(Integer)
    demandeur_email: Mapped[str | None] = mapped_column(String(254))
    demandeur_prenom: Mapped[str] = mapped_column(String(100))
    demandeur_nom: Mapped[str] = mapped_column(String(100))
    # The student whose page it was sent from: accounts' id (for the home
    # page's news) and the fiche's (for the mail's names).
    contexte_eleve_id: Mapped[int] = mapped_column(Integer)
    contexte_fiche_eleve_id: Mapped[int] = mapped_column(ForeignKey("eleve.id", ondelete="CASCADE"))
    decidee_le: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decidee_par: Mapped[int | None] = mapped_column(Integer)
    motif: Mapped[str | None] = mapped_column(String(200))
