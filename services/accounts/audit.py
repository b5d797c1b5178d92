"""Each account's journal (docs/security.md): logins, successful and failed,
password and address changes, merges, letters, purge, links that ended. Kept after the account
is gone (no foreign key), read by the account's establishment's staff."""
from sqlalchemy import bindparam, select

from services.accounts.models import Account, AuditEvent, Eleve, Responsable

# What each kind means, in the words the staff page shows.
KINDS = {
    "login": "Connexion réussie",
    "login_failed": "Échec de connexion (mot de passe incorrect)",
    "login_refused": "Connexion refusée (mot de passe provisoire expiré)",
    "login_blocked": "Connexion bloquée (trop de tentatives)",
    "first_connection": "Première connexion : mot de passe choisi",
    "first_connection_failed": "Première connexion : date de naissance incorrecte",
    "email_confirmation_sent": "Lien de confirmation de l'adresse envoyé",
    "email_confirmed": "Adresse électronique confirmée",
    "email_change_requested": "Changement d'adresse demandé",
    "email_changed": "Adresse électronique changée",
    "password_changed": "Mot de passe changé",
    "password_check_failed": "Mot de passe actuel incorrect (profil)",
    "password_reset_requested": "Réinitialisation du mot de passe demandée",
    "password_reset": "Mot de passe réinitialisé par le lien reçu",
    "identifier_reminder": "Rappel d'identifiant envoyé",
    "merge": "Regroupement : comptes rattachés",
    "merged_into": "Regroupement : compte rattaché à un autre et supprimé",
    "merge_failed": "Regroupement : mot de passe incorrect pour ce compte",
    "letter": "Notification éditée",
    "purged": "Compte supprimé (purge)",
    "created": "Compte créé",
    "lien_termine": "Lien avec un élève terminé",
    "sortie": "Élève sorti de l'établissement",
    "notification_courriel": "Notification envoyée par courriel",
}


def etablissements_of(db, account: Account) -> list[str]:
    if account.role == "eleve":
        eleve = db.get(Eleve, account.eleve_id) if account.eleve_id else None
        return [eleve.etablissement_uai] if eleve else []
    if account.role == "responsable":
        return sorted(set(db.scalars(_GUARDIAN_UAIS, {"account_id": account.id})))
    return [account.etablissement_uai] if account.etablissement_uai else []


# Built once: a journal line is written at every login.
_GUARDIAN_UAIS = select(Responsable.etablissement_uai).where(Responsable.account_id == bindparam("account_id"))


def record(db, account: Account, kind: str, now, client: str | None = None, detail: str = "") -> None:
    """Add one line to the account's journal (the caller commits)."""
    assert kind in KINDS, kind
    db.add(AuditEvent(account_id=account.id, identifiant=account.identifiant,
                      etablissements=",".join(etablissements_of(db, account)), kind=kind, at=now,
                      client=(client or None) and str(client)[:64], detail=detail[:2000]))


def journal(db, identifiant: str, uai: str | None, limit: int = 200) -> list[dict]:
    """An account's journal, newest first; restricted to the lines recorded
    while the account belonged to `uai` when `uai` is given (staff)."""
    query = select(AuditEvent).where(AuditEvent.identifiant == identifiant)
    rows = db.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    if uai is not None:
        rows = [r for r in rows if uai in r.etablissements.split(",")]
    return [{"at": r.at.isoformat(), "kind": r.kind, "label": KINDS.get(r.kind, r.kind), "client": r.client,
             "detail": r.detail, "account_id": r.account_id} for r in rows]

