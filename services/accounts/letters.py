"""Notification letters (guide § 1.1, FAQ): the establishment prints, for each
account, its identifier and a provisional password valid 3 months for creating
the account; an account already in use is only reminded of its identifier, its
password unchanged.

An account deleted by the purge (never activated, never confirmed, unused for
a year) is created again here when staff print a new letter for its student
or guardian, so that the school needs no new import.
"""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from datetime import timedelta

from common.clock import PARIS, add_months
from services.accounts import audit, importing
from services.accounts.models import Account, Eleve, Lien, Responsable
from services.accounts.passwords import generate_provisional_password, hash_provisional_password

# Guide § 1.1: a notification letter is valid 3 months for creating the account.
LETTER_VALIDITY_MONTHS = 3


def letter_valid_until(account: Account):
    return add_months(account.provisional_issued_at, LETTER_VALIDITY_MONTHS)


def last_valid_day(expires_at) -> str:
    """The last whole day something valid until `expires_at` (excluded) can be
    used, in France: what a letter or a mail says ("valable jusqu'au ...")."""
    return (expires_at.astimezone(PARIS) - timedelta(days=1)).date().isoformat()


def in_use(account: Account) -> bool:
    return account.activated_at is not None


def is_new(account: Account) -> bool:
    """Never notified: created by an import (or again after a purge) and no letter printed since."""
    return not in_use(account) and account.provisional_issued_at is None


def issue(db, uai: str, now, eleve_ids=None, classe=None, only_new=False, client=None) -> list[dict]:
    """One letter per account of the chosen students of `uai` and of their
    legal guardians, each account once; see the module's docstring."""
    query = select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True)).options(
        selectinload(Eleve.liens).selectinload(Lien.responsable).selectinload(Responsable.account))
    if eleve_ids is not None:
        query = query.where(Eleve.id.in_(eleve_ids))
    if classe is not None:
        query = query.where(Eleve.classe == classe)
    eleves = db.scalars(query.order_by(Eleve.classe, Eleve.nom, Eleve.prenom)).all()
    student_accounts = {a.eleve_id: a for a in db.scalars(
        select(Account).where(Account.eleve_id.in_([e.id for e in eleves])))}
    allocator = importing.IdentifierAllocator(db)
    letters, seen = [], set()

    def letter(account, nom, prenom, eleve):
        if account.id in seen:
            return
        seen.add(account.id)
        if only_new and not is_new(account):
            return
        password = None
        if not in_use(account):
            password = generate_provisional_password()
            account.password_hash = hash_provisional_password(password)
            account.password_provisional = True
            account.provisional_issued_at = now
        audit.record(db, account, "letter", now, client,
                     "mot de passe provisoire" if password else "rappel de l'identifiant")
        letters.append({
            "identifiant": account.identifiant, "role": account.role, "nom": nom, "prenom": prenom,
            "password": password,
            "valid_until": last_valid_day(letter_valid_until(account)) if password else None,
            "eleve": f"{eleve.prenom} {eleve.nom}", "classe": eleve.classe,
        })

    for eleve in eleves:
        account = student_accounts.get(eleve.id)
        if account is None:
            account = Account(identifiant=allocator.allocate(eleve.prenom, eleve.nom), role="eleve",
                              eleve_id=eleve.id, etablissement_uai=uai, created_at=now)
            db.add(account)
            db.flush()
            audit.record(db, account, "created", now, client, "nouvelle notification")
        letter(account, eleve.nom, eleve.prenom, eleve)
        for lien in eleve.liens:
            if lien.niveau_responsabilite != importing.REPRESENTANT_LEGAL or lien.ended_on is not None:
                continue
            resp = lien.responsable
            if resp.account is None:
                resp.account = Account(identifiant=allocator.allocate(resp.prenom, resp.nom), role="responsable",
                                       etablissement_uai=resp.etablissement_uai, created_at=now)
                db.flush()
                audit.record(db, resp.account, "created", now, client, "nouvelle notification")
            letter(resp.account, resp.nom, resp.prenom, eleve)
    return letters


def choices(db, uai: str) -> dict:
    """What the letters page offers: the establishment's classes and active
    students, and how many accounts were never notified."""
    eleves = db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True))
                        .order_by(Eleve.classe, Eleve.nom, Eleve.prenom)).all()
    return {
        "classes": sorted({e.classe for e in eleves if e.classe}),
        "eleves": [{"eleve_id": e.id, "nom": e.nom, "prenom": e.prenom, "classe": e.classe} for e in eleves],
    }
