"""Who an account may see (guide § 2.1): a student only themself, a guardian
the children they are legal guardian of, in every establishment merged into
the account; and the account as every page shows it."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from common.clock import age_on
from common.errors import NotFound
from services.accounts import importing
from services.accounts.models import Account, Eleve, Lien, Responsable
from services.accounts.sessions import must_confirm_email


def children(db, account: Account) -> list[Eleve]:
    if account.role == "eleve":
        return [account.eleve] if account.eleve and account.eleve.active else []
    if account.role != "responsable":
        return []
    return list(db.scalars(
        select(Eleve).join(Lien).join(Responsable)
        .where(Responsable.account_id == account.id, Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL,
               Eleve.active.is_(True))
        .options(selectinload(Eleve.etablissement))
        .order_by(Eleve.date_naissance, Eleve.prenom)).unique())


def account_view(db, account: Account, today) -> dict:
    """The logged-in account and its children, as AccountViewSchema dumps it."""
    if account.role == "eleve" and account.eleve:
        prenom, nom = account.eleve.prenom, account.eleve.nom
    elif account.responsables:
        prenom, nom = account.responsables[0].prenom, account.responsables[0].nom
    else:
        prenom, nom = account.prenom or "", account.nom or account.identifiant
    return {
        "id": account.id, "identifiant": account.identifiant, "role": account.role,
        "etablissement_uai": account.etablissement_uai if account.role == "staff" else None,
        "fonction": account.fonction,
        "prenom": prenom, "nom": nom, "email": account.email,
        "email_confirmed": account.email_confirmed_at is not None,
        "must_change_password": account.password_provisional,
        "must_confirm_email": must_confirm_email(account),
        "previous_login_at": account.previous_login_at,
        "children": [{
            "eleve_id": e.id, "nom": e.nom, "prenom": e.prenom, "date_naissance": e.date_naissance,
            "sexe": e.sexe, "classe": e.classe, "etablissement_uai": e.etablissement_uai,
            "etablissement_nom": e.etablissement.nom, "eleve_majeur": age_on(e.date_naissance, today) >= 18,
            # Carried here so the home page needs no call of its own for it.
            "etablissement_message": e.etablissement.message_accueil,
        } for e in children(db, account)],
    }


def children_page(db, account: Account) -> list[dict]:
    """"Enfants": each child with the guardian as the child's establishment knows them."""
    out = []
    for eleve in children(db, account):
        responsable = None
        if account.role == "responsable":
            responsable = next(({"prenom": r.prenom, "nom": r.nom} for r in account.responsables
                                if r.etablissement_uai == eleve.etablissement_uai), None)
        out.append({"eleve_id": eleve.id, "nom": eleve.nom, "prenom": eleve.prenom,
                    "date_naissance": eleve.date_naissance.isoformat(), "classe": eleve.classe,
                    "etablissement_nom": eleve.etablissement.nom, "responsable": responsable})
    return out


def siecle_identity(db, account_id, eleve_id) -> dict:
    """Who `account_id` is for the student `eleve_id`, in SIECLE's identifiers;
    NotFound unless it is the active student's own account or one of their
    legal guardians'."""
    account = db.get(Account, account_id) if isinstance(account_id, int) else None
    eleve = db.get(Eleve, eleve_id) if isinstance(eleve_id, int) else None
    if account is None or eleve is None or not eleve.active:
        raise NotFound("Élève introuvable.")
    personnes = []
    if account.role == "responsable":
        personnes = sorted(db.scalars(
            select(Responsable.siecle_personne_id).join(Lien)
            .where(Responsable.account_id == account.id, Lien.eleve_id == eleve.id,
                   Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL)))
    if not personnes and not (account.role == "eleve" and account.eleve_id == eleve.id):
        raise NotFound("Élève introuvable.")
    person = eleve if account.role == "eleve" else account.responsables[0]
    return {"etablissement_uai": eleve.etablissement_uai, "siecle_eleve_id": eleve.siecle_eleve_id,
            "siecle_personne_ids": personnes, "email": account.email, "prenom": person.prenom, "nom": person.nom}
