"""The application: who may file it, the draft kept between visits, the one
application per student per year (collège) or per lycée course, the estimate
given at the end, and the school's review."""
from sqlalchemy import func, or_, select

from common.errors import Forbidden, NotFound, ValidationError
from contract.bourses import SITUATIONS
from services.bourses import bareme
from services.bourses.models import (
    ACCORDEE, BROUILLON, COLLEGE, COMPLETE, DECIDEE, DEPOSEE, LYCEE, PIECE_MANQUANTE, REFUSEE,
    STATUTS, VIE_MARITALE, Campagne, Demande, Evenement,
)
from services.bourses.schemas import echelon_range_error
from services.bourses.text import bourse_label, euros, fr_date, fr_datetime, school_year_label

FORM_FIELDS = ("situation", "enfants_a_charge", "revenu_fiscal_reference", "revenu_fiscal_reference_2",
               "annee_avis")


def refusal_to_apply(context: dict, niveau: str) -> str | None:
    """Why this viewer may not apply for this child (None: they may). A
    minor's guardians apply; an adult lycée student applies for themself
    (issue 18), so neither their guardians nor a minor student do."""
    adult_lyceen = niveau == LYCEE and context["eleve_majeur"]
    if context["viewer_role"] == "eleve":
        return None if adult_lyceen else "La demande de bourse est faite par un responsable légal de l'élève."
    if adult_lyceen:
        return "Un lycéen majeur fait lui-même sa demande de bourse, depuis son propre compte."
    return None


def filed_by_viewer(db, context: dict) -> list[Demande]:
    """This viewer's filed applications for this child, newest first."""
    return list(db.scalars(select(Demande).where(
        Demande.eleve_id == context["eleve_id"], Demande.demandeur_account_id == context["viewer_account_id"],
        Demande.statut != BROUILLON).order_by(Demande.id.desc())))


def has_current(db, eleve_id: int, annee: int) -> bool:
    """Whether the child has a filed application of this school year or a later one."""
    return db.scalar(select(Demande.id).where(Demande.eleve_id == eleve_id, Demande.statut != BROUILLON,
                                              Demande.annee_scolaire >= annee).limit(1)) is not None


def draft(db, context: dict, campagne: Campagne) -> Demande | None:
    return db.scalar(select(Demande).where(
        Demande.eleve_id == context["eleve_id"], Demande.demandeur_account_id == context["viewer_account_id"],
        Demande.niveau == campagne.niveau, Demande.annee_scolaire == campagne.annee_scolaire,
        Demande.statut == BROUILLON))


def blocking(db, eleve_id: int, niveau: str, annee: int) -> Demande | None:
    """A filed application that rules out another one: the same year's, or,
    for the lycée, a bourse already granted (it runs for the whole course)."""
    same_year = (Demande.annee_scolaire == annee)
    if niveau == LYCEE:
        same_year = or_(same_year, Demande.statut == ACCORDEE)
    return db.scalar(select(Demande).where(Demande.eleve_id == eleve_id, Demande.niveau == niveau,
                                           Demande.statut != BROUILLON, same_year).limit(1))


def twice_message(existing: Demande, context: dict) -> str:
    if existing.statut == ACCORDEE and existing.niveau == LYCEE:
        return ("Une bourse de lycée a déjà été accordée à cet élève : elle vaut pour toute la scolarité au lycée, "
                "aucune nouvelle demande n'est à faire.")
    who = ("vous l'avez déposée" if existing.demandeur_account_id == context["viewer_account_id"]
           else "un autre responsable l'a déposée")
    return (f"Une demande de {bourse_label(existing.niveau)} a déjà été déposée pour cet élève pour l'année "
            f"scolaire {school_year_label(existing.annee_scolaire)} ({who} le {fr_date(existing.deposee_le)}) : "
            "une seule demande par élève.")


def _apply_form(demande: Demande, data: dict) -> None:
    for name in FORM_FIELDS:
        setattr(demande, name, data.get(name))
    if demande.situation != VIE_MARITALE:
        demande.revenu_fiscal_reference_2 = None


def _apply_persons(demande: Demande, demandeur: dict, eleve: dict, etablissement: dict) -> None:
    demande.demandeur_prenom, demande.demandeur_nom = demandeur["prenom"], demandeur["nom"]
    demande.demandeur_email = demandeur["email"]
    demande.eleve_prenom, demande.eleve_nom, demande.eleve_classe = eleve["prenom"], eleve["nom"], eleve["classe"]
    demande.etablissement_nom = etablissement["nom"]


def _new(context: dict, campagne: Campagne, now) -> Demande:
    return Demande(eleve_id=context["eleve_id"], etablissement_uai=context["etablissement_uai"],
                   niveau=campagne.niveau, annee_scolaire=campagne.annee_scolaire, campagne_id=campagne.id,
                   statut=BROUILLON, demandeur_account_id=context["viewer_account_id"],
                   demandeur_role=context["viewer_role"], created_at=now)


def save_draft(db, context, campagne, data, demandeur, eleve, etablissement, now) -> Demande:
    """Keep what was typed so far (fields already checked, some may be missing)."""
    demande = draft(db, context, campagne)
    if demande is None:
        demande = _new(context, campagne, now)
        db.add(demande)
    _apply_form(demande, data)
    _apply_persons(demande, demandeur, eleve, etablissement)
    demande.updated_at = now
    return demande


def file(db, context, campagne, data, demandeur, eleve, etablissement, now) -> Demande:
    """File the application (the draft, if any, becomes it): checks the one
    application rule, gives the estimate from the year's barème and the
    acknowledgement's number."""
    existing = blocking(db, context["eleve_id"], campagne.niveau, campagne.annee_scolaire)
    if existing is not None:
        raise ValidationError({"demande": [twice_message(existing, context)]})
    if data["annee_avis"] != campagne.annee_scolaire:
        raise ValidationError({"annee_avis": [
            f"Pour l'année scolaire {school_year_label(campagne.annee_scolaire)}, indiquez le revenu fiscal de "
            f"référence de l'avis d'impôt {campagne.annee_scolaire} (sur les revenus {campagne.annee_scolaire - 1})."]})
    rows = bareme.require(db, campagne.annee_scolaire, campagne.niveau)
    demande = save_draft(db, context, campagne, data, demandeur, eleve, etablissement, now)
    demande.estimation_echelon, demande.estimation_montant = bareme.echelon_for(
        rows, ressources(demande), demande.enfants_a_charge)
    demande.statut, demande.deposee_le = DEPOSEE, now
    demande.cle_unicite = f"{campagne.niveau}:{context['eleve_id']}:{campagne.annee_scolaire}"
    db.flush()
    demande.numero = f"{'BC' if campagne.niveau == COLLEGE else 'BL'}{campagne.annee_scolaire}-{demande.id:06d}"
    demande.historique.append(Evenement(statut=DEPOSEE, at=now, by_account_id=context["viewer_account_id"]))
    return demande


def ressources(demande: Demande) -> int:
    """The household's resources: the reference tax income, both notices'
    added for a couple in vie maritale (domain § 2)."""
    return (demande.revenu_fiscal_reference or 0) + (demande.revenu_fiscal_reference_2 or 0)


# -- the school's review ----------------------------------------------------
ALLOWED_FROM = {
    "complete": (DEPOSEE, PIECE_MANQUANTE),
    "piece_manquante": (DEPOSEE, COMPLETE, PIECE_MANQUANTE),
    # The school grants on a file it declared complete.
    "accorder": (COMPLETE,),
    "refuser": (DEPOSEE, COMPLETE, PIECE_MANQUANTE),
}


def for_school(db, uai: str, demande_id) -> Demande:
    demande = db.get(Demande, demande_id) if isinstance(demande_id, int) and not isinstance(demande_id, bool) else None
    if demande is None or demande.etablissement_uai != uai or demande.statut == BROUILLON:
        raise NotFound(demande_id)
    return demande


def review(db, demande: Demande, data: dict, now) -> None:
    """The school marks the file complete or missing a piece, or decides:
    an échelon (its amount is the barème's) or a refusal with its reason."""
    action = data["action"]
    if demande.statut in DECIDEE:
        raise ValidationError({"action": ["La décision est déjà rendue : elle ne se modifie plus ici."]})
    if demande.statut not in ALLOWED_FROM[action]:
        raise ValidationError({"action": [
            "Le dossier doit d'abord être déclaré complet." if action == "accorder"
            else f"Impossible depuis l'état « {STATUTS[demande.statut]} »."]})
    detail = None
    if action == "complete":
        demande.statut, demande.piece_manquante = COMPLETE, None
    elif action == "piece_manquante":
        demande.statut = PIECE_MANQUANTE
        demande.piece_manquante = detail = data["piece"].strip()
    elif action == "accorder":
        problem = echelon_range_error(demande.niveau, data["echelon"])
        if problem:
            raise ValidationError({"echelon": [problem]})
        rows = bareme.require(db, demande.annee_scolaire, demande.niveau)
        demande.statut, demande.decision_echelon = ACCORDEE, data["echelon"]
        demande.decision_montant = bareme.montant(rows, data["echelon"])
        demande.decidee_le = now
        detail = f"Échelon {demande.decision_echelon}, {euros(demande.decision_montant)} par an"
    else:
        demande.statut, demande.motif_refus, demande.decidee_le = REFUSEE, data["motif"].strip(), now
        detail = demande.motif_refus
    demande.updated_at = now
    demande.historique.append(Evenement(statut=demande.statut, at=now, by_account_id=data["account_id"],
                                        detail=detail))


PAGE_SIZE = 100


def list_for_school(db, uai: str, statut: str | None, page: int) -> tuple[list[Demande], int]:
    """One page of the establishment's filed applications, newest first, and
    how many there are in all."""
    where = [Demande.etablissement_uai == uai, Demande.statut != BROUILLON]
    if statut:
        where.append(Demande.statut == statut)
    total = db.scalar(select(func.count()).select_from(Demande).where(*where))
    rows = db.scalars(select(Demande).where(*where).order_by(Demande.deposee_le.desc(), Demande.id.desc())
                      .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(rows), total


def row(demande: Demande) -> dict:
    """What the school's list shows of an application."""
    return {"id": demande.id, "numero": demande.numero, "statut": demande.statut,
            "statut_texte": STATUTS[demande.statut], "eleve_prenom": demande.eleve_prenom,
            "eleve_nom": demande.eleve_nom, "eleve_classe": demande.eleve_classe,
            "deposee_le_texte": fr_date(demande.deposee_le), "estimation_echelon": demande.estimation_echelon}


def owned(db, context: dict, demande_id) -> Demande:
    """A filed application of this child, filed by this viewer; NotFound for
    any other (another family's, another guardian's)."""
    demande = db.get(Demande, demande_id) if isinstance(demande_id, int) and not isinstance(demande_id, bool) else None
    if (demande is None or demande.statut == BROUILLON or demande.eleve_id != context["eleve_id"]
            or demande.demandeur_account_id != context["viewer_account_id"]):
        raise NotFound(demande_id)
    return demande


def check_may_apply(context: dict, niveau: str) -> None:
    reason = refusal_to_apply(context, niveau)
    if reason:
        raise Forbidden(reason)


def form_view(demande: Demande | None) -> dict:
    if demande is None:
        return {name: None for name in FORM_FIELDS}
    return {name: getattr(demande, name) for name in FORM_FIELDS}


def view(demande: Demande, with_history: bool = False) -> dict:
    """What the family (their own) and the school see of an application."""
    out = {
        "id": demande.id, "numero": demande.numero, "statut": demande.statut, "statut_texte": STATUTS[demande.statut],
        "niveau": demande.niveau, "bourse": bourse_label(demande.niveau), "annee_scolaire": demande.annee_scolaire,
        "annee_scolaire_texte": school_year_label(demande.annee_scolaire),
        "eleve_id": demande.eleve_id, "eleve_prenom": demande.eleve_prenom, "eleve_nom": demande.eleve_nom,
        "eleve_classe": demande.eleve_classe, "etablissement_uai": demande.etablissement_uai,
        "etablissement_nom": demande.etablissement_nom,
        "demandeur_prenom": demande.demandeur_prenom, "demandeur_nom": demande.demandeur_nom,
        "demandeur_role": demande.demandeur_role,
        **form_view(demande),
        "situation_texte": SITUATIONS.get(demande.situation, ""),
        "ressources": ressources(demande), "ressources_texte": euros(ressources(demande)),
        "source_revenus": demande.source_revenus,
        "estimation_echelon": demande.estimation_echelon, "estimation_montant": demande.estimation_montant,
        "estimation_texte": estimate_text(demande.estimation_echelon, demande.estimation_montant),
        "piece_manquante": demande.piece_manquante if demande.statut == PIECE_MANQUANTE else None,
        "decision_echelon": demande.decision_echelon, "decision_montant": demande.decision_montant,
        "decision_montant_texte": euros(demande.decision_montant) if demande.decision_montant else None,
        "motif_refus": demande.motif_refus,
        "deposee_le": demande.deposee_le.isoformat() if demande.deposee_le else None,
        "deposee_le_texte": fr_datetime(demande.deposee_le) if demande.deposee_le else None,
        "decidee_le_texte": fr_date(demande.decidee_le) if demande.decidee_le else None,
        "decidee": demande.statut in DECIDEE,
    }
    if with_history:
        out["historique"] = [{"statut": e.statut, "statut_texte": STATUTS[e.statut], "le": fr_datetime(e.at),
                              "detail": e.detail} for e in demande.historique]
    return out


def estimate_text(echelon: int | None, montant: int | None) -> str:
    if echelon is None:
        return ("D'après le barème, les ressources déclarées dépassent le plafond de l'échelon 1 : "
                "la bourse ne serait pas accordée.")
    return f"Échelon {echelon}, soit {euros(montant)} par an, versés en trois fois (un versement par trimestre)."
