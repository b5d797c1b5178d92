"""What the inscription service tells people outside its pages: the receipt
mail of a finished enrollment (once: its request id is the dossier's), and
the notice to the collège's head when a family does not enroll the child in
the assigned lycée (guide § 3.7)."""
from common.mail import mail_request
from services.inscription.models import Dossier


def receipt(dossier: Dossier) -> list[dict]:
    affectation = dossier.affectation
    if not dossier.decision_email:
        return []
    return [mail_request("inscription_accuse_reception", dossier.decision_email, {
        "prenom": dossier.decision_prenom, "nom": dossier.decision_nom, "eleve_prenom": affectation.prenom,
        "eleve_nom": affectation.nom,
        "lycee_nom": affectation.lycee.nom, "date_inscription": dossier.complete_le.isoformat(),
        "formation": affectation.formation}, to_name=dossier.decision_par,
        etablissement_uais=[affectation.lycee_uai],
        request_id=f"inscription-{dossier.id}-accuse")]


def decline_notice(dossier: Dossier, classe: str | None) -> list[dict]:
    """To the collège's head, at once: the family should call them."""
    affectation = dossier.affectation
    college = affectation.college
    if not college.email_direction:
        return []
    context = {"college_nom": college.nom, "eleve_prenom": affectation.prenom, "eleve_nom": affectation.nom,
               "lycee_nom": affectation.lycee.nom, "responsable_prenom": dossier.decision_prenom,
               "responsable_nom": dossier.decision_nom,
               "date_refus": dossier.decision_le.isoformat(), "formation": affectation.formation}
    if classe:
        context["eleve_classe"] = classe
    return [mail_request("inscription_refus_college", college.email_direction, context,
                         to_name=f"Direction – {college.nom}", etablissement_uais=[college.uai],
                         request_id=f"inscription-{dossier.id}-refus")]
