"""Who an account may see (guide § 2.1): a student only themself, a guardian
the children they are legal guardian of, in every establishment merged into
the account; and the account as every page shows it."""
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from common.clock import age_on
from common.errors import NotFound
from services.accounts import importing, liens, rentree, rules
from services.accounts.models import Account, Eleve, Lien, Responsable
from services.accounts.sessions import must_confirm_email


def children(db, account: Account, today) -> list[Eleve]:
    """The children this account sees: its current ones, then those who left
    the académie while the family still sees them (rentree.py: only the
    services that serve former students answer for them)."""
    if account.role == "eleve":
        eleve = account.eleve
        if eleve is None:
            return []
        if eleve.active or rentree.is_former_child_visible(eleve.date_sortie, today):
            return [eleve]
        return []
    if account.role != "responsable":
        return []
    current = list(db.scalars(_CURRENT_CHILDREN, {"account_id": account.id}).unique())
    return current + rentree.former_children_of_guardian(db, account.id, today)


# Built once: every page's view runs it (building it cost about as much as
# running it, docs/performance.md).
_CURRENT_CHILDREN = (
    select(Eleve).join(Lien).join(Responsable)
    .where(Responsable.account_id == bindparam("account_id"),
           Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL,
           Lien.ended_on.is_(None), Eleve.active.is_(True))
    .options(selectinload(Eleve.etablissement))
    .order_by(Eleve.date_naissance, Eleve.prenom))


def sorti_le(eleve: Eleve):
    """The day a former student left; None for a current one."""
    return None if eleve.active else eleve.date_sortie


def account_view(db, account: Account, today) -> dict:
    """The logged-in account and its children, as AccountViewSchema dumps it."""
    if account.role == "eleve" and account.eleve:
        prenom, nom = account.eleve.prenom, account.eleve.nom
    elif account.responsables:
        prenom, nom = account.responsables[0].prenom, account.responsables[0].nom
    else:
        prenom, nom = account.prenom or "", account.nom or account.identifiant
    eleves = children(db, account, today)
    # The académie's links of each child's menu (liens.py), in the same call;
    # none for a child who left the académie (only the LSL still serves them).
    links = liens.for_children(db, account.role, [e for e in eleves if e.active], today)
    return {
        "id": account.id, "identifiant": account.identifiant, "role": account.role,
        "etablissement_uai": account.etablissement_uai if account.role == "staff" else None,
        "fonction": account.fonction,
        "domaines": rules.domaines(account),
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
            "liens": links.get(e.id, []),
            "sorti_le": sorti_le(e),
        } for e in eleves],
    }


def children_page(db, account: Account, today) -> list[dict]:
    """"Enfants": each child with the guardian as the child's establishment knows them."""
    out = []
    for eleve in children(db, account, today):
        responsable = None
        if account.role == "responsable":
            responsable = next(({"prenom": r.prenom, "nom": r.nom} for r in account.responsables
                                if r.etablissement_uai == eleve.etablissement_uai), None)
        out.append({"eleve_id": eleve.id, "nom": eleve.nom, "prenom": eleve.prenom,
                    "date_naissance": eleve.date_naissance.isoformat(), "classe": eleve.classe,
                    "etablissement_nom": eleve.etablissement.nom, "responsable": responsable,
                    "sorti_le": sorti_le(eleve) and sorti_le(eleve).isoformat()})
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
                   Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL, Lien.ended_on.is_(None))))
    if not personnes and not (account.role == "eleve" and account.eleve_id == eleve.id):
        raise NotFound("Élève introuvable.")
    person = eleve if account.role == "eleve" else account.responsables[0]
    return {"etablissement_uai": eleve.etablissement_uai, "siecle_eleve_id": eleve.siecle_eleve_id,
            "siecle_personne_ids": personnes, "email": account.email, "prenom": person.prenom, "nom": person.nom}
