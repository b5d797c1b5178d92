"""Change requests (guide § 3.3): the rules of the fiche's edits and of the
school's decisions, in one place.

- An edit is a pending request per field (old value, new value, who, when).
- The same field edited again before the school decides: the last change wins
  (the request is replaced; an edit back to the record's value withdraws it).
- Both guardians may edit the student's data, one at a time: while one
  person's student changes wait, nobody else may send student changes.
- Each guardian edits only their own data; an adult student edits their own.
- The school accepts or refuses each field, with an optional reason; an
  accepted value becomes the record.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import PARIS
from common.errors import Forbidden, ValidationError
from services.fiche import records, validation
from services.fiche.exceptions import ModificationsEnAttente
from services.fiche.models import ACCEPTEE, EN_ATTENTE, REFUSEE, Demande, Eleve, Responsable
from services.fiche.validation import AT_LEAST_ONE_PHONE, CHAMPS, ELEVE, PHONE_FIELDS, RESPONSABLE


@dataclass
class Viewer:
    """Who is editing, resolved from the child context and accounts' answer."""

    eleve: Eleve
    responsable: Responsable | None  # None for an adult student
    account_id: int
    accounts_eleve_id: int
    email: str | None
    prenom: str
    nom: str

    @property
    def demandeur(self) -> str:
        return f"responsable:{self.responsable.id}" if self.responsable else f"eleve:{self.eleve.id}"


def pending(db: Session, *where) -> list[Demande]:
    return list(db.scalars(select(Demande).where(Demande.etat == EN_ATTENTE, *where).order_by(Demande.id)))


def target_filter(cible: str, viewer: Viewer):
    return (Demande.eleve_id == viewer.eleve.id) if cible == ELEVE else (Demande.responsable_id == viewer.responsable.id)


def student_lock(db: Session, viewer: Viewer) -> Demande | None:
    """A pending request on the student's data by someone else than the viewer."""
    return db.scalars(select(Demande).where(Demande.etat == EN_ATTENTE, Demande.eleve_id == viewer.eleve.id,
                                            Demande.demandeur != viewer.demandeur).limit(1)).first()


def submit(db: Session, viewer: Viewer, cible: str, changes, now: datetime) -> dict:
    """Record the viewer's edits of one tab. Returns which fields are now
    pending ("enregistrees"), withdrawn ("retirees") or unchanged. Raises
    ValidationError (nothing stored), Forbidden, ModificationsEnAttente."""
    record = viewer.eleve if cible == ELEVE else viewer.responsable
    cleaned = validation.clean_changes(cible, changes, now.astimezone(PARIS).date(),
                                       (lambda champ: records.current_value(record, champ)) if record else None)
    if cible == ELEVE:
        # Serialises two guardians sending at the same instant (PostgreSQL;
        # SQLite has one writer at a time anyway).
        db.execute(select(Eleve.id).where(Eleve.id == viewer.eleve.id).with_for_update())
        record = viewer.eleve
    else:
        if viewer.responsable is None:
            raise Forbidden("Vous n'avez pas de données de responsable dans cette fiche.")
        record = viewer.responsable
    existing = {d.champ: d for d in pending(db, target_filter(cible, viewer))}
    if cible == ELEVE:
        foreign = [d for d in existing.values() if d.demandeur != viewer.demandeur]
        if foreign and any(not records.same(c, v, _effective(record, existing, c)) for c, v in cleaned.items()):
            raise ModificationsEnAttente()
    if cible == RESPONSABLE and any(c in cleaned for c in PHONE_FIELDS):
        phones = [cleaned[c] if c in cleaned else _effective(record, existing, c) for c in PHONE_FIELDS]
        if not any(phones):
            raise ValidationError({"tel_portable": [AT_LEAST_ONE_PHONE]})
    report = {"enregistrees": [], "retirees": [], "inchangees": []}
    for champ, value in cleaned.items():
        current, demande = records.current_value(record, champ), existing.get(champ)
        if demande is not None and records.same(champ, value, demande.nouvelle_valeur):
            report["inchangees"].append(champ)
            continue
        if records.same(champ, value, current):
            if demande is not None:
                # Edited back to the record's value: nothing left to decide.
                db.delete(demande)
                report["retirees"].append(champ)
            else:
                report["inchangees"].append(champ)
            continue
        if demande is None:
            demande = Demande(etablissement_uai=viewer.eleve.etablissement_uai, champ=champ,
                              eleve_id=viewer.eleve.id if cible == ELEVE else None,
                              responsable_id=viewer.responsable.id if cible == RESPONSABLE else None)
            db.add(demande)
        demande.ancienne_valeur, demande.nouvelle_valeur = current, value
        demande.demandee_le, demande.demandeur = now, viewer.demandeur
        demande.demandeur_account_id, demande.demandeur_email = viewer.account_id, viewer.email
        demande.demandeur_prenom, demande.demandeur_nom = viewer.prenom, viewer.nom
        demande.contexte_eleve_id, demande.contexte_fiche_eleve_id = viewer.accounts_eleve_id, viewer.eleve.id
        report["enregistrees"].append(champ)
    return report


def _effective(record, existing: dict, champ: str):
    """The value the family sees: the pending one if any, else the record's."""
    return existing[champ].nouvelle_valeur if champ in existing else records.current_value(record, champ)


def decide(db: Session, uai: str, fiche_eleve_id: int, decisions: list[dict], account_id: int,
           now: datetime) -> list[Demande]:
    """Apply the school's decisions ({"demande_id", "decision": "accepter" or
    "refuser", "motif"}) on requests of one student's dossier. All or nothing:
    a request of another dossier, or one already decided, refuses the whole
    batch with a French message."""
    ids = [d["demande_id"] for d in decisions]
    if len(set(ids)) != len(ids):
        raise ValidationError({"decisions": ["Une demande figure deux fois."]})
    found = {d.id: d for d in db.scalars(select(Demande).where(Demande.id.in_(ids)).with_for_update())}
    errors = {}
    for index, decision in enumerate(decisions):
        demande = found.get(decision["demande_id"])
        if demande is None or demande.etablissement_uai != uai or demande.contexte_fiche_eleve_id != fiche_eleve_id:
            errors[str(index)] = ["Demande introuvable dans ce dossier."]
        elif demande.etat != EN_ATTENTE:
            errors[str(index)] = ["Cette demande a déjà été traitée."]
    if errors:
        raise ValidationError({"decisions": errors})
    decided = []
    for decision in decisions:
        demande = found[decision["demande_id"]]
        accept = decision["decision"] == "accepter"
        if accept:
            record = db.get(Eleve, demande.eleve_id) if demande.eleve_id else db.get(Responsable,
                                                                                      demande.responsable_id)
            records.apply(record, demande.champ, demande.nouvelle_valeur)
        demande.etat = ACCEPTEE if accept else REFUSEE
        demande.motif = decision.get("motif") or None
        demande.decidee_le, demande.decidee_par = now, account_id
        decided.append(demande)
    return decided


def champ_of(demande: Demande) -> validation.Champ:
    return CHAMPS[ELEVE if demande.eleve_id else RESPONSABLE][demande.champ]
