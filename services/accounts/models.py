"""What the accounts service owns: establishments, students, guardians
("responsables"), the links between them, accounts and sessions."""
from datetime import date, datetime

from sqlalchemy import (
    Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.sql import UtcDateTime
from common import mail_outbox_table
from common.idempotency import define_table


class Base(DeclarativeBase):
    pass


# Which commands ran, by idempotency key, and what they answered.
command_records = define_table(Base.metadata)
mail_outbox_table = mail_outbox_table.define_table(Base.metadata)


class Etablissement(Base):
    __tablename__ = "etablissement"

    uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))  # "college" or "lycee"
    commune: Mapped[str] = mapped_column(String(100), default="")
    message_accueil: Mapped[str] = mapped_column(Text, default="")


class Eleve(Base):
    __tablename__ = "eleve"
    __table_args__ = (UniqueConstraint("etablissement_uai", "siecle_eleve_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(ForeignKey("etablissement.uai"), index=True)
    siecle_eleve_id: Mapped[str] = mapped_column(String(20))
    ine: Mapped[str | None] = mapped_column(String(11), index=True)
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    date_naissance: Mapped[date] = mapped_column(Date)
    sexe: Mapped[str | None] = mapped_column(String(1))  # SIECLE CODE_SEXE: "1" male, "2" female ("Né le" / "Née le")
    classe: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    date_sortie: Mapped[date | None] = mapped_column(Date)

    etablissement: Mapped[Etablissement] = relationship()
    liens: Mapped[list["Lien"]] = relationship(back_populates="eleve", cascade="all, delete-orphan")


class Responsable(Base):
    """A guardian as one establishment's data knows them (one SIECLE PERSONNE)."""

    __tablename__ = "responsable"
    __table_args__ = (UniqueConstraint("etablissement_uai", "siecle_personne_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(ForeignKey("etablissement.uai"), index=True)
    siecle_personne_id: Mapped[str] = mapped_column(String(20))
    civilite: Mapped[str | None] = mapped_column(String(5))
    nom: Mapped[str] = mapped_column(String(100))
    prenom: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"), index=True)

    liens: Mapped[list["Lien"]] = relationship(back_populates="responsable", cascade="all, delete-orphan")
    account: Mapped["Account | None"] = relationship(back_populates="responsables")


class Lien(Base):
    """A student ↔ adult link; only `niveau_responsabilite == 1` (représentant
    légal) gives access to the online services, and only while the link has
    not ended (`ended_on`)."""

    __tablename__ = "lien"
    __table_args__ = (UniqueConstraint("eleve_id", "responsable_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    eleve_id: Mapped[int] = mapped_column(ForeignKey("eleve.id", ondelete="CASCADE"), index=True)
    responsable_id: Mapped[int] = mapped_column(ForeignKey("responsable.id", ondelete="CASCADE"), index=True)
    niveau_responsabilite: Mapped[int] = mapped_column(Integer)
    code_parente: Mapped[str | None] = mapped_column(String(2))
    # A link that ended stays, with when and why (services/accounts/rentree.py):
    # "sortie" (the student left the académie: the family keeps what former
    # students keep), "changement" (the student moved to another establishment
    # of the académie, where a new record carries on), "retire" (the school's
    # file no longer holds it).
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_kind: Mapped[str | None] = mapped_column(String(20))
    end_reason: Mapped[str | None] = mapped_column(String(300))

    eleve: Mapped[Eleve] = relationship(back_populates="liens")
    responsable: Mapped[Responsable] = relationship(back_populates="liens")


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifiant: Mapped[str] = mapped_column(String(40), unique=True)
    # responsable, eleve, staff (of one establishment), operator (of the académie)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_provisional: Mapped[bool] = mapped_column(Boolean, default=True)
    provisional_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    email: Mapped[str | None] = mapped_column(String(254))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    previous_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    eleve_id: Mapped[int | None] = mapped_column(ForeignKey("eleve.id", ondelete="CASCADE"), unique=True)
    etablissement_uai: Mapped[str | None] = mapped_column(ForeignKey("etablissement.uai"))
    # Staff and operators only: families' names come from the school's data.
    nom: Mapped[str | None] = mapped_column(String(100))
    prenom: Mapped[str | None] = mapped_column(String(100))
    # staff: "direction", "secretariat" or "cpe" (rules.FONCTIONS)
    fonction: Mapped[str | None] = mapped_column(String(20))

    eleve: Mapped[Eleve | None] = relationship()
    responsables: Mapped[list[Responsable]] = relationship(back_populates="account")


class Session(Base):
    """A logged-in browser. Only the token's SHA-256 is stored."""

    __tablename__ = "session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Token(Base):
    """A link sent by e-mail (confirmation of an address, password reset).

    Only the SHA-256 of the random token is stored. A token is bound to one
    purpose and one account, expires, works once, and carries a fingerprint of
    the account's state when it was issued (its address, its password hash):
    when that state moves, the token dies (services/accounts/tokens.py)."""

    __tablename__ = "token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(30))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    # The address being confirmed (confirmation and change of address).
    email: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    """One line of an account's journal: logins (success and failure), password
    and address changes, merges, letters, purge. No foreign key: the journal
    outlives a merged or purged account."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    identifiant: Mapped[str] = mapped_column(String(40), index=True)
    # The establishments the account belonged to then (comma-separated UAIs),
    # so that staff can read the journal of their establishment's accounts.
    etablissements: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class Throttle(Base):
    """Failed attempts per action and per identifier (or address), with the
    instant before which the next attempt is refused (services/accounts/throttle.py).
    The key is a SHA-256: the table never holds the addresses people typed."""

    __tablename__ = "throttle"

    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class JobRun(Base):
    """The last day a scheduled job ran, so that several instances and restarts
    run a daily job once a day."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
    last_run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    report: Mapped[str] = mapped_column(Text, default="")


class NewsItem(Base):
    """A copy of what a feature service says is new for a child and from when
    (common.news), so the home page's tiles come with the session."""

    __tablename__ = "news_item"
    __table_args__ = (Index("ix_news_item_eleve_visible", "eleve_id", "visible_from"),)

    service: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    eleve_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    visible_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Cumulative kinds only: the item stops counting then (contract.news).
    visible_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class NewsKind(Base):
    """How a service words a kind of news: "1 nouvelle note", "{n} nouvelles notes"."""

    __tablename__ = "news_kind"

    service: Mapped[str] = mapped_column(String(30), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    text_one: Mapped[str] = mapped_column(String(200))
    text_many: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(100))
    # A running total over each item's window, not what is new since the previous connection.
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False)


class LienAcademique(Base):
    """A service of the académie that lives elsewhere (LPC, cahier de textes,
    ENT, Pix: guide § 1.1, § 3.6), declared by an operator and shown as a link
    in the menus of the children it is meant for (services/accounts/liens.py)."""

    __tablename__ = "lien_academique"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nom: Mapped[str] = mapped_column(String(100))
    adresse: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(300), default="")
    # "responsables", "eleves" or "tous"
    audience: Mapped[str] = mapped_column(String(20))
    # The kinds of establishment it is for, comma-separated ("college,lycee").
    types_etablissement: Mapped[str] = mapped_column(String(40))
    ordinateur_seulement: Mapped[bool] = mapped_column(Boolean, default=False)
    # The operator's explicit choice to allow a plain http address for this link.
    http_autorise: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class LienOuverture(Base):
    """An establishment opened (or closed) an académie link for a school year;
    a link without a row is closed, as a service is."""

    __tablename__ = "lien_ouverture"

    lien_id: Mapped[int] = mapped_column(ForeignKey("lien_academique.id", ondelete="CASCADE"), primary_key=True)
    etablissement_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    annee_scolaire: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by: Mapped[int | None] = mapped_column(Integer)


class AcademieSetting(Base):
    """What the académie's operators set for the whole platform, by name: the
    login page's "Message d'accueil" (guide § 2.3)."""

    __tablename__ = "academie_setting"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class ExpiredLetter(Base):
    """What the purge keeps of an account deleted because its letter was never
    used: enough to tell whoever types that letter's identifier and password
    that it is past its validity ("plus de 3 mois, contactez le secrétariat"),
    nothing about the person: a keyed hash of the identifier, the provisional
    password's hash and when to forget both (docs/security.md)."""

    __tablename__ = "expired_letter"

    identifiant_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256, hex
    password_hash: Mapped[str] = mapped_column(String(200))
    forget_after: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class HashKey(Base):
    """The secret key of `ExpiredLetter.identifiant_hash`, drawn at random by the
    first purge that needs it, kept in the service's own database."""

    __tablename__ = "hash_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
