"""What the bourses service tells the family outside its pages: a mail at
the filing (the acknowledgement) and at each change the school makes, and a
news item for the home page's tile (common.news) at each step of the review."""
from common import news
from common.mail import mail_request, right_to_disconnect_not_before
from services.bourses.models import ACCORDEE, PIECE_MANQUANTE, REFUSEE, STATUTS, Demande
from services.bourses.text import bourse_label, euros, school_year_label

NEWS_KIND = "bourse"
NEWS_KINDS = {NEWS_KIND: {"one": "1 nouvelle étape de la demande de bourse",
                          "many": "{n} nouvelles étapes de la demande de bourse", "path": "/bourses/"}}


def _common(demande: Demande) -> dict:
    return {"prenom": demande.demandeur_prenom, "nom": demande.demandeur_nom,
            "eleve_prenom": demande.eleve_prenom, "eleve_nom": demande.eleve_nom,
            "etablissement_nom": demande.etablissement_nom, "bourse": bourse_label(demande.niveau),
            "numero": demande.numero}


def acknowledgement(demande: Demande, estimation: str) -> list[dict]:
    """Sent at once: the family just acted and waits for it."""
    if not demande.demandeur_email:
        return []
    return [mail_request("bourse_accuse_reception", demande.demandeur_email, {
        **_common(demande), "annee_scolaire": school_year_label(demande.annee_scolaire),
        "date_depot": demande.deposee_le.isoformat(), "estimation": estimation},
        to_name=f"{demande.demandeur_prenom} {demande.demandeur_nom}".strip() or None,
        etablissement_uai=demande.etablissement_uai, request_id=f"bourse-{demande.id}-deposee")]


def review_step(demande: Demande, now, step: int) -> list[dict]:
    """A notification of the school's change, held outside the hours families
    may be written to (the right to disconnect, common.mail). `step` (the
    history's length) keys the request, so a redelivery never sends twice."""
    if not demande.demandeur_email:
        return []
    context = {**_common(demande), "statut": STATUTS[demande.statut], "date_changement": now.isoformat()}
    if demande.statut == PIECE_MANQUANTE:
        context["piece"] = demande.piece_manquante
    elif demande.statut == ACCORDEE:
        context["decision"] = (f"Échelon {demande.decision_echelon}, soit {euros(demande.decision_montant)} "
                               "par an, versés en trois fois.")
    elif demande.statut == REFUSEE:
        context["motif"] = demande.motif_refus
    return [mail_request("bourse_suivi", demande.demandeur_email, context,
                         to_name=f"{demande.demandeur_prenom} {demande.demandeur_nom}".strip() or None,
                         not_before=right_to_disconnect_not_before(now), etablissement_uai=demande.etablissement_uai,
                         request_id=f"bourse-{demande.id}-{step}")]


def news_item(demande: Demande, now) -> dict:
    """One item per application, sent again at each step of the school's
    review (the filing is not news to whoever filed): the tile counts the
    application once, from its latest change."""
    return news.item(f"demande:{demande.id}", demande.eleve_id, NEWS_KIND, now)
