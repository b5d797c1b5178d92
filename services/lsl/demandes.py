"""The family's requests to the head (FAQ "LSL"): rectify a piece of data, or
withhold the livret from the bac jury. Recorded with date and author, shown to
the family with their state, listed for the school, decided by staff; the
author is told by mail either way."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.clock import PARIS
from common.errors import Forbidden, NotFound, ValidationError
from common.mail import mail_request
from services.lsl import codes, rules
from services.lsl.models import ACCEPTEE, EN_ATTENTE, OPPOSITION, RECTIFICATION, Demande, LivretEleve

OPPOSITION_LABEL = "Opposition à la transmission du livret au jury du baccalauréat"
NOT_THEIRS_TO_ASK = {
    True: "L'élève est majeur : c'est à lui de faire cette demande, depuis son propre compte.",
    False: "L'élève est mineur : ce sont ses responsables légaux qui font cette demande.",
}


def label(demande: Demande) -> str:
    if demande.type == OPPOSITION:
        return OPPOSITION_LABEL
    return f"Rectification : {codes.PARTIES.get(demande.partie, demande.partie)}"


def view(demande: Demande) -> dict:
    return {"id": demande.id, "eleve_id": demande.eleve_id, "type": demande.type, "libelle": label(demande),
            "partie": demande.partie, "objet": demande.objet, "commentaire": demande.commentaire,
            "auteur": f"{demande.auteur_prenom} {demande.auteur_nom}".strip(), "auteur_role": demande.auteur_role,
            "cree_le": demande.cree_le, "etat": demande.etat, "reponse": demande.reponse,
            "traitee_le": demande.traitee_le}


def create(db: Session, context: dict, data: dict, auteur: dict, now: datetime) -> Demande:
    if not rules.may_act(context):
        raise Forbidden(NOT_THEIRS_TO_ASK[context["eleve_majeur"]])
    if data["type"] == OPPOSITION:
        already = db.scalar(select(Demande).where(Demande.eleve_id == context["eleve_id"],
                                                  Demande.type == OPPOSITION,
                                                  Demande.etat.in_((EN_ATTENTE, ACCEPTEE))))
        if already is not None:
            raise ValidationError({"type": [
                "Une opposition à la transmission du livret est déjà enregistrée pour cet élève "
                f"(le {already.cree_le.astimezone(PARIS).strftime('%d/%m/%Y')})."]})
    demande = Demande(
        eleve_id=context["eleve_id"], etablissement_uai=context["etablissement_uai"], type=data["type"],
        partie=data["partie"] if data["type"] == RECTIFICATION else None,
        objet=(data["objet"] or "").strip() or None if data["type"] == RECTIFICATION else None,
        commentaire=(data["commentaire"] or "").strip(),
        auteur_account_id=context["viewer_account_id"], auteur_role=context["viewer_role"],
        auteur_prenom=auteur["prenom"], auteur_nom=auteur["nom"], auteur_email=auteur.get("email"),
        cree_le=now, etat=EN_ATTENTE)
    db.add(demande)
    return demande


def for_eleve(db: Session, eleve_id: int) -> list[Demande]:
    return list(db.scalars(select(Demande).where(Demande.eleve_id == eleve_id).order_by(Demande.cree_le.desc(),
                                                                                        Demande.id.desc())))


def for_etablissement(db: Session, uai: str, etat: str | None = None) -> list[Demande]:
    query = select(Demande).where(Demande.etablissement_uai == uai)
    if etat:
        query = query.where(Demande.etat == etat)
    return list(db.scalars(query.order_by(Demande.cree_le.desc(), Demande.id.desc())))


def decide(db: Session, data: dict, now: datetime) -> Demande:
    demande = db.get(Demande, data["demande_id"])
    if demande is None or demande.etablissement_uai != data["uai"]:
        raise NotFound(data["demande_id"])
    if demande.etat != EN_ATTENTE:
        raise ValidationError({"decision": ["Cette demande a déjà été traitée."]})
    demande.etat, demande.reponse = data["decision"], (data["reponse"] or "").strip() or None
    demande.traitee_le, demande.traitee_par = now, data["account_id"]
    return demande


def decision_mail(demande: Demande, eleve: LivretEleve | None, etablissement_nom: str) -> dict | None:
    """The mail telling the request's author the school's decision; None when
    they gave no address (the page shows the state all the same)."""
    if not demande.auteur_email:
        return None
    kind = "lsl_demande_acceptee" if demande.etat == ACCEPTEE else "lsl_demande_refusee"
    context = {"prenom": demande.auteur_prenom, "nom": demande.auteur_nom,
               "eleve_prenom": eleve.prenom if eleve else "", "eleve_nom": eleve.nom if eleve else "",
               "etablissement_nom": etablissement_nom, "demande": label(demande),
               "date_demande": demande.cree_le.isoformat()}
    if demande.reponse:
        context["reponse"] = demande.reponse
    # Keyed by the request and its outcome: a redelivery never sends twice.
    return mail_request(kind, demande.auteur_email, context, to_name=f"{demande.auteur_prenom} {demande.auteur_nom}",
                        etablissement_uai=demande.etablissement_uai, account_id=demande.auteur_account_id,
                        request_id=f"lsl-demande-{demande.id}-{demande.etat}")
