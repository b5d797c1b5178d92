"""The establishments accounts knows from the imports, their students, the
welcome message their staff write for the home page, and the académie's
welcome message its operators write for the login page."""
from sqlalchemy import select

from common.errors import Forbidden, NotFound
from common.schemas import load_or_raise
from services.accounts.models import AcademieSetting, Account, Eleve, Etablissement
from services.accounts.rules import administers
from services.accounts.schemas import MessageAccueilSchema


def get(db, uai) -> dict:
    etab = db.get(Etablissement, uai)
    if etab is None:
        raise NotFound(uai)
    return {"uai": etab.uai, "nom": etab.nom, "type": etab.type, "commune": etab.commune,
            "message_accueil": etab.message_accueil}


def listing(db) -> list[dict]:
    return [{"uai": e.uai, "nom": e.nom, "type": e.type, "commune": e.commune}
            for e in db.scalars(select(Etablissement).order_by(Etablissement.nom))]


def eleves(db, uai) -> list[dict]:
    rows = db.scalars(select(Eleve).where(Eleve.etablissement_uai == uai, Eleve.active.is_(True))
                      .order_by(Eleve.classe, Eleve.nom, Eleve.prenom))
    return [{"eleve_id": e.id, "siecle_eleve_id": e.siecle_eleve_id, "ine": e.ine, "nom": e.nom,
             "prenom": e.prenom, "classe": e.classe} for e in rows]


def set_message_accueil(db, uai, message, account_id) -> dict:
    """Only the establishment's staff or an operator may set it (rules.administers)."""
    if not administers(db.get(Account, account_id), uai):
        raise Forbidden("Vous n'administrez pas cet établissement.")
    data = load_or_raise(MessageAccueilSchema(), {"message": message})
    etab = db.get(Etablissement, uai)
    if etab is None:
        raise NotFound(uai)
    etab.message_accueil = data["message"]
    return {"message_accueil": etab.message_accueil}


LOGIN_MESSAGE = "message_accueil_connexion"


def login_message(db) -> dict:
    """The login page's "Message d'accueil" (guide § 2.3): plain text, "" when none."""
    row = db.get(AcademieSetting, LOGIN_MESSAGE)
    return {"message": row.value if row else ""}


def set_login_message(db, message, account_id, now) -> dict:
    """Only an académie operator may set it (it shows to every family)."""
    account = db.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None or account.role != "operator":
        raise Forbidden("Seul un opérateur de l'académie peut modifier ce message.")
    data = load_or_raise(MessageAccueilSchema(), {"message": message})
    row = db.get(AcademieSetting, LOGIN_MESSAGE) or AcademieSetting(name=LOGIN_MESSAGE)
    row.value, row.updated_at, row.updated_by = data["message"], now, account.id
    db.add(row)
    return {"message": row.value}
