"""The family's four steps (guide § 3.7) and their order.

1. Enroll in the assigned lycée, or not. The first guardian's decision
   stands: the dossier is unique per assignment, the other guardian sees who
   decided and when. Declining ends the process (the collège's head is told).
2. Pedagogical wishes: modern languages, enseignements optionnels and a
   section, among what that lycée offers for that training, with its rules.
3. The child's and the guardian's administrative data, cleaned by the fiche
   service's rules (the service passes them in already cleaned).
4. The summary; confirming it finishes the enrollment (receipt PDF and mail).

Steps 2 and 3 are kept as they are saved: a draft resumed until the deadline.
Only the guardian who enrolled continues the steps.
"""
from sqlalchemy.exc import IntegrityError

from common.errors import ValidationError
from services.inscription.exceptions import EtapeRefusee
from services.inscription.models import COMPLET, DERNIERE_ETAPE, INSCRIT, REFUSE, Affectation, Dossier, Offre
from common.typography import french_datetime

NOT_ENROLLED = "Indiquez d'abord à l'étape 1 que vous inscrivez votre enfant dans cet établissement."


def decided_message(dossier: Dossier, account_id: int) -> str:
    who = "vous-même" if dossier.decision_account_id == account_id else dossier.decision_par
    what = ("L'inscription dans cet établissement a été faite" if dossier.etat in (INSCRIT, COMPLET)
            else "La décision de ne pas inscrire votre enfant dans cet établissement a été prise")
    return f"{what} par {who} le {french_datetime(dossier.decision_le)}."


def decide(db, affectation: Affectation, choix: str, account_id: int, responsable: dict, now) -> Dossier:
    """Step 1. Refused (EtapeRefusee) once anyone decided: the first decision
    stands. Two guardians racing meet the unique constraint."""
    if affectation.dossier is not None:
        raise EtapeRefusee(decided_message(affectation.dossier, account_id) + " Cette décision ne peut plus être "
                           "modifiée en ligne : contactez l'établissement.")
    dossier = Dossier(affectation=affectation, etat=INSCRIT if choix == "inscrire" else REFUSE,
                      etape=2 if choix == "inscrire" else 1, decision_account_id=account_id,
                      decision_prenom=responsable["prenom"], decision_nom=responsable["nom"],
                      decision_email=responsable.get("email"), decision_le=now, updated_at=now)
    db.add(dossier)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise EtapeRefusee("L'autre responsable légal vient de répondre pour cet élève : rechargez la page.") from None
    return dossier


def editable(affectation: Affectation, account_id: int) -> Dossier:
    """The dossier steps 2 to 4 may change: enrolled, not finished, by the
    guardian who enrolled."""
    dossier = affectation.dossier
    if dossier is None or dossier.etat == REFUSE:
        raise EtapeRefusee(NOT_ENROLLED)
    if dossier.decision_account_id != account_id:
        raise EtapeRefusee(decided_message(dossier, account_id) + " Seul ce responsable peut poursuivre "
                           "l'inscription.")
    if dossier.etat == COMPLET:
        raise EtapeRefusee(f"L'inscription est terminée depuis le {french_datetime(dossier.complete_le)} : elle ne "
                           "peut plus être modifiée en ligne. Contactez le lycée.")
    return dossier


def _by_code(choices: list[dict]) -> dict:
    return {c["code"]: c["libelle"] for c in choices}


def check_voeux(offre: Offre | None, data: dict) -> dict:
    """The wishes against what the lycée offers for the training, each
    refusal beside its field: LV1 required when offered; LV2 required when
    offered and different from LV1; options offered, distinct, at most
    `max_options`; one section offered."""
    lv1, lv2 = _by_code(offre.lv1) if offre else {}, _by_code(offre.lv2) if offre else {}
    options, sections = _by_code(offre.options) if offre else {}, _by_code(offre.sections) if offre else {}
    errors = {}
    if data["lv1"] is None:
        if lv1:
            errors["lv1"] = ["Choisissez la langue vivante A."]
    elif data["lv1"] not in lv1:
        errors["lv1"] = ["Cette langue n'est pas proposée par le lycée pour cette formation."]
    if data["lv2"] is None:
        if lv2:
            errors["lv2"] = ["Choisissez la langue vivante B."]
    elif data["lv2"] not in lv2:
        errors["lv2"] = ["Cette langue n'est pas proposée par le lycée pour cette formation."]
    elif lv2[data["lv2"]] == lv1.get(data["lv1"]):
        # The codes say the rank (AGL1, AGL2); the language is the label.
        errors["lv2"] = ["La langue vivante B doit être différente de la langue vivante A."]
    chosen = data["options"]
    unknown = [o for o in chosen if o not in options]
    if unknown:
        errors["options"] = ["Cet enseignement optionnel n'est pas proposé par le lycée pour cette formation."]
    elif len(set(chosen)) != len(chosen):
        errors["options"] = ["Chaque enseignement optionnel ne se choisit qu'une fois."]
    elif len(chosen) > (offre.max_options if offre else 0):
        errors["options"] = [f"Au plus {offre.max_options if offre else 0} enseignement(s) optionnel(s)."]
    if data["section"] is not None and data["section"] not in sections:
        errors["section"] = ["Cette section n'est pas proposée par le lycée pour cette formation."]
    if errors:
        raise ValidationError(errors)
    return {"lv1": data["lv1"], "lv2": data["lv2"], "options": list(chosen), "section": data["section"]}


def save_voeux(dossier: Dossier, voeux: dict, now) -> None:
    dossier.voeux = voeux
    dossier.etape = max(dossier.etape, 3)
    dossier.updated_at = now


def save_donnees(dossier: Dossier, eleve: dict, responsable: dict, now) -> None:
    """Step 3: the changes, already cleaned by the fiche's rules. Requires
    step 2 done."""
    if dossier.etape < 3:
        raise EtapeRefusee("Indiquez d'abord les souhaits pédagogiques (étape 2).")
    dossier.donnees_eleve = eleve or None
    dossier.donnees_responsable = responsable or None
    dossier.etape = max(dossier.etape, DERNIERE_ETAPE)
    dossier.updated_at = now


def complete(dossier: Dossier, now) -> None:
    """Step 4: the summary confirmed. Requires steps 2 and 3 done."""
    if dossier.etape < DERNIERE_ETAPE:
        raise EtapeRefusee("Complétez d'abord les étapes 2 (souhaits pédagogiques) et 3 (données "
                           "administratives).")
    dossier.etat, dossier.complete_le, dossier.updated_at = COMPLET, now, now
