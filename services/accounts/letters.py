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


def _targets(db, uai: str, now, eleve_ids=None, classe=None, client=None, identifiants=None):
    """Each account of the chosen active students of `uai` and of their legal
    guardians (current links), once, in class and name order:
    (account, nom, prenom, eleve, address SIECLE holds for the person or None),
    only the accounts named in `identifiants` if given. An account the purge
    deleted is created again."""
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
    seen = set()
    for eleve in eleves:
        account = student_accounts.get(eleve.id)
        if account is None:
            account = Account(identifiant=allocator.allocate(eleve.prenom, eleve.nom), role="eleve",
                              eleve_id=eleve.id, etablissement_uai=uai, created_at=now)
            db.add(account)
            db.flush()
            audit.record(db, account, "created", now, client, "nouvelle notification")
        if account.id not in seen and (identifiants is None or account.identifiant in identifiants):
            seen.add(account.id)
            # SIECLE's student export holds no address this service keeps: a letter.
            yield account, eleve.nom, eleve.prenom, eleve, None
        for lien in eleve.liens:
            if lien.niveau_responsabilite != importing.REPRESENTANT_LEGAL or lien.ended_on is not None:
                continue
            resp = lien.responsable
            if resp.account is None:
                resp.account = Account(identifiant=allocator.allocate(resp.prenom, resp.nom), role="responsable",
                                       etablissement_uai=resp.etablissement_uai, created_at=now)
                db.flush()
                audit.record(db, resp.account, "created", now, client, "nouvelle notification")
            if resp.account.id not in seen and (identifiants is None or resp.account.identifiant in identifiants):
                seen.add(resp.account.id)
                yield resp.account, resp.nom, resp.prenom, eleve, resp.email or None


def _new_provisional_password(account: Account, now) -> str | None:
    """The letter's rule, whatever carries it: an account not in use gets a
    new provisional password valid 3 months (the previous one dies); an
    account in use keeps its password (None)."""
    if in_use(account):
        return None
    password = generate_provisional_password()
    account.password_hash = hash_provisional_password(password)
    account.password_provisional = True
    account.provisional_issued_at = now
    return password


def _letter(account, nom, prenom, eleve, password) -> dict:
    return {
        "identifiant": account.identifiant, "role": account.role, "nom": nom, "prenom": prenom,
        "password": password,
        "valid_until": last_valid_day(letter_valid_until(account)) if password else None,
        "eleve": f"{eleve.prenom} {eleve.nom}", "classe": eleve.classe,
    }


def issue(db, uai: str, now, eleve_ids=None, classe=None, only_new=False, client=None,
          identifiants=None) -> list[dict]:
    """One letter per account of the chosen students of `uai` and of their
    legal guardians (or only the accounts in `identifiants`: the persons an
    e-mail could not reach), each account once; see the module's docstring."""
    letters = []
    for account, nom, prenom, eleve, _ in _targets(db, uai, now, eleve_ids, classe, client, identifiants):
        if only_new and not is_new(account):
            continue
        password = _new_provisional_password(account, now)
        audit.record(db, account, "letter", now, client,
                     "mot de passe provisoire" if password else "rappel de l'identifiant")
        letters.append(_letter(account, nom, prenom, eleve, password))
    return letters


def notify_by_email(db, uai: str, now, outbox, portal_url: str, rules: dict, eleve_ids=None, classe=None,
                    only_new=False, client=None) -> dict:
    """Guide § 1.1, "un courriel": the same notification as the letter, with
    the same rules, sent to the address SIECLE holds for each person. Who has
    no address is listed, untouched, for a letter. Returns {"courriels":
    [{identifiant, prenom, nom, role, eleve, email, mot_de_passe_provisoire}],
    "sans_adresse": [{identifiant, prenom, nom, role, eleve, eleve_id}]}."""
    from services.accounts.models import Etablissement

    etab = db.get(Etablissement, uai)
    sent, without = [], []
    for account, nom, prenom, eleve, email in _targets(db, uai, now, eleve_ids, classe, client):
        if only_new and not is_new(account):
            continue
        who = {"identifiant": account.identifiant, "prenom": prenom, "nom": nom, "role": account.role,
               "eleve": f"{eleve.prenom} {eleve.nom}", "eleve_id": eleve.id}
        if not email:
            without.append(who)
            continue
        password = _new_provisional_password(account, now)
        context = {"identifiant": account.identifiant, "role": account.role, "eleve": who["eleve"],
                   "etablissement_nom": etab.nom, "adresse_site": portal_url,
                   "mot_de_passe": password, "regle_mot_de_passe": rules["password"]["short"],
                   "validite": rules["letter_validity"],
                   "valide_jusqu_au": last_valid_day(letter_valid_until(account)) if password else None}
        outbox.add(db, "notification_compte", email, account, {k: v for k, v in context.items() if v is not None})
        audit.record(db, account, "notification_courriel", now, client,
                     f"courriel à {email} : " + ("mot de passe provisoire" if password else "rappel de l'identifiant"))
        sent.append({**who, "email": email, "mot_de_passe_provisoire": password is not None})
    return {"courriels": sent, "sans_adresse": without}


def history(db, uai: str, limit: int = 500) -> list[dict]:
    """Who was notified how and when at `uai` (letters and e-mails), newest first."""
    from services.accounts.models import AuditEvent

    rows = db.scalars(select(AuditEvent).where(AuditEvent.kind.in_(("letter", "notification_courriel")),
                                               AuditEvent.etablissements.contains(uai))
                      .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [{"at": r.at.isoformat(), "identifiant": r.identifiant,
             "moyen": "courriel" if r.kind == "notification_courriel" else "courrier", "detail": r.detail}
            for r in rows if uai in r.etablissements.split(",")]


def choices(db, uai: str) -> dict:
    """What the letters page offers: the establishment's classes and active
    students, and how many accounts were never notified."""
    eleves = db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True))
                        .order_by(Eleve.classe, Eleve.nom, Eleve.prenom)).all()
    return {
        "classes": sorted({e.classe for e in eleves if e.classe}),
        "eleves": [{"eleve_id": e.id, "nom": e.nom, "prenom": e.prenom, "classe": e.classe} for e in eleves],
    }
