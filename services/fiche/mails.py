"""The confirmation e-mail the guardian (or adult student) who asked receives
once the school has decided, whether it accepted or refused (guide § 3.3):
one message per person, student and outcome of a batch of decisions."""
from datetime import datetime

from common.mail import mail_request, right_to_disconnect_not_before
from services.fiche import demandes
from services.fiche.models import ACCEPTEE, Demande, Eleve
from services.fiche.validation import display


def _line(demande: Demande, with_reason: bool) -> str:
    champ = demandes.champ_of(demande)
    value = display(champ, demande.nouvelle_valeur).replace("\n", ", ") or "(vide)"
    line = f"{champ.label} : {value}"
    if with_reason and demande.motif:
        line += f" (motif : {demande.motif})"
    return line


def requests(decided: list[Demande], eleves: dict[int, Eleve], etablissement_nom: str, now: datetime) -> list[dict]:
    """The checked mail requests for these decisions; persons without an
    address get none."""
    groups: dict[tuple, list[Demande]] = {}
    for demande in decided:
        if demande.demandeur_email:
            key = (demande.demandeur_account_id, demande.demandeur_email, demande.contexte_fiche_eleve_id,
                   demande.etat)
            groups.setdefault(key, []).append(demande)
    out = []
    for (account_id, email, fiche_eleve_id, etat), group in groups.items():
        eleve = eleves[fiche_eleve_id]
        reasons = {d.motif for d in group if d.motif}
        shared_reason = reasons.pop() if len(reasons) == 1 and all(d.motif for d in group) else None
        context = {"prenom": group[0].demandeur_prenom, "nom": group[0].demandeur_nom, "eleve_prenom": eleve.prenom,
                   "eleve_nom": eleve.nom, "etablissement_nom": etablissement_nom,
                   "date_demande": max(d.demandee_le for d in group).isoformat(),
                   "modifications": [_line(d, with_reason=shared_reason is None) for d in group]}
        if etat != ACCEPTEE and shared_reason:
            context["motif"] = shared_reason
        kind = "fiche_modifications_acceptees" if etat == ACCEPTEE else "fiche_modifications_refusees"
        out.append(mail_request(kind, email, context, to_name=f"{context['prenom']} {context['nom']}",
                                not_before=right_to_disconnect_not_before(now),
                                etablissement_uai=eleve.etablissement_uai, account_id=account_id))
    return out
