"""The establishments accounts knows from the imports, their students, and
the welcome message their staff write for the home page."""
from sqlalchemy import select

from common.errors import Forbidden, NotFound
from common.schemas import load_or_raise
from services.accounts.models import Account, Eleve, Etablissement
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
    """Only the establishment's staff or an operator may set it."""
    account = db.get(Account, account_id)
    if account is None or not (account.role == "operator"
                               or (account.role == "staff" and account.etablissement_uai == uai)):
        raise Forbidden("Vous n'administrez pas cet établissement.")
    data = load_or_raise(MessageAccueilSchema(), {"message": message})
    etab = db.get(Etablissement, uai)
    if etab is None:
        raise NotFound(uai)
    etab.message_accueil = data["message"]
    return {"message_accueil": etab.message_accueil}
