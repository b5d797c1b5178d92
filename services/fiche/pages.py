"""The data of the fiche's pages: the family's two tabs and the school's
dossiers, with every value already written as the page shows it (the gateway
lays out, it holds no rule)."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.fiche import codes, demandes, records
from services.fiche.demandes import Viewer
from services.fiche.models import EN_ATTENTE, Demande, Eleve, Lien, Responsable
from services.fiche.validation import CHAMPS, ELEVE, RESPONSABLE, display, form_value

# How many of the viewer's past decisions the family's page recalls.
RECENT_DECISIONS = 20


def _pending_view(champ, demande: Demande | None, viewer: Viewer | None) -> dict | None:
    if demande is None:
        return None
    return {"affichage": display(champ, demande.nouvelle_valeur), "valeur": form_value(champ, demande.nouvelle_valeur),
            "demandee_le": demande.demandee_le.isoformat(),
            "par_vous": viewer is not None and demande.demandeur == viewer.demandeur}


def _champs(cible: str, record, pending: dict, viewer: Viewer, rl1: Responsable | None = None) -> list[dict]:
    out = []
    for champ in CHAMPS[cible].values():
        value = records.current_value(record, champ.name)
        shown = display(champ, value)
        if champ.name == "adresse" and cible == ELEVE and value and value.get("identique_rl1") and rl1 is not None:
            # The student's address is RL1's: shown, as the guide's screen does.
            address = display(CHAMPS[RESPONSABLE]["adresse"], records.current_value(rl1, "adresse"))
            shown = "\n".join(part for part in (shown, address) if part)
        out.append({"champ": champ.name, "libelle": champ.label, "affichage": shown,
                    "valeur": form_value(champ, value),
                    "en_attente": _pending_view(champ, pending.get(champ.name), viewer)})
    return out


def choices() -> dict:
    """The code lists the edit forms offer, in order: [[code, label], ...]."""
    def listed(values: dict) -> list:
        return [[code, label] for code, label in values.items()]

    return {"sexe": listed(codes.SEXES), "civilite": listed(codes.CIVILITES), "pays": listed(codes.PAYS),
            "situation_emploi": listed(codes.SITUATIONS_EMPLOI), "code_profession": listed(codes.PROFESSIONS)}


def rl1(db: Session, eleve: Eleve) -> Responsable | None:
    return db.scalars(select(Responsable).join(Lien).where(Lien.eleve_id == eleve.id, Lien.rang == 1)).first()


def family_page(db: Session, viewer: Viewer) -> dict:
    """The ÉLÈVE tab and, for a guardian, their own RESPONSABLE tab; never
    another guardian's data."""
    eleve = viewer.eleve
    eleve_pending = {d.champ: d for d in demandes.pending(db, Demande.eleve_id == eleve.id)}
    lock = demandes.student_lock(db, viewer)
    page = {
        "eleve": {
            "nom": eleve.nom, "prenom": eleve.prenom,
            "regime": codes.label(codes.REGIMES, eleve.code_regime) or "Non renseigné",
            "champs": _champs(ELEVE, eleve, eleve_pending, viewer, rl1(db, eleve)),
            "peut_modifier": lock is None,
            "verrou": None if lock is None else (
                "Les modifications des données de l'élève envoyées par l'autre responsable sont en attente de "
                "traitement par l'établissement. Vous pourrez envoyer les vôtres lorsqu'elles auront été traitées."),
        },
        "responsable": None,
        "decisions": [],
        "choix": choices(),
    }
    if viewer.responsable is not None:
        person = viewer.responsable
        lien = db.scalars(select(Lien).where(Lien.eleve_id == eleve.id, Lien.responsable_id == person.id)).first()
        own_pending = {d.champ: d for d in demandes.pending(db, Demande.responsable_id == person.id)}
        page["responsable"] = {
            "rang": lien.rang if lien else None,
            "lien": codes.label(codes.PARENTES, lien.code_parente) if lien else "",
            "champs": _champs(RESPONSABLE, person, own_pending, viewer),
        }
    decided = db.scalars(select(Demande).where(Demande.demandeur == viewer.demandeur, Demande.etat != EN_ATTENTE,
                                               Demande.contexte_fiche_eleve_id == eleve.id)
                         .order_by(Demande.decidee_le.desc(), Demande.id.desc()).limit(RECENT_DECISIONS))
    page["decisions"] = [_decision_view(d) for d in decided]
    return page


def _decision_view(demande: Demande) -> dict:
    champ = demandes.champ_of(demande)
    return {"onglet": ELEVE if demande.eleve_id else RESPONSABLE, "libelle": champ.label,
            "affichage": display(champ, demande.nouvelle_valeur), "etat": demande.etat, "motif": demande.motif,
            "decidee_le": demande.decidee_le.isoformat()}


# -- the school's pages -------------------------------------------------------

def dossiers(db: Session, uai: str) -> list[dict]:
    """Students with pending requests (theirs or their guardians'), oldest first."""
    rows = db.execute(
        select(Eleve.id, Eleve.nom, Eleve.prenom, func.count(Demande.id), func.min(Demande.demandee_le))
        .join(Demande, Demande.contexte_fiche_eleve_id == Eleve.id)
        .where(Demande.etablissement_uai == uai, Demande.etat == EN_ATTENTE)
        .group_by(Eleve.id, Eleve.nom, Eleve.prenom).order_by(func.min(Demande.demandee_le)))
    return [{"eleve_id": id_, "nom": nom, "prenom": prenom, "nb_demandes": count, "depuis": since.isoformat()}
            for id_, nom, prenom, count, since in rows]


def _who(db: Session, demande: Demande) -> str:
    if demande.eleve_id:
        return "Élève"
    person = db.get(Responsable, demande.responsable_id)
    lien = db.scalars(select(Lien).where(Lien.eleve_id == demande.contexte_fiche_eleve_id,
                                         Lien.responsable_id == person.id)).first()
    rang = f" {lien.rang}" if lien and lien.rang else ""
    parente = f" ({codes.label(codes.PARENTES, lien.code_parente)})" if lien and lien.code_parente else ""
    return f"Responsable{rang} : {person.civilite or ''} {person.nom} {person.prenom}{parente}".replace("  ", " ")


def dossier(db: Session, uai: str, eleve: Eleve) -> dict:
    """One student's pending requests with a field-level before and after."""
    rows = db.scalars(select(Demande).where(
        Demande.etablissement_uai == uai, Demande.contexte_fiche_eleve_id == eleve.id,
        or_(Demande.etat == EN_ATTENTE, Demande.decidee_le.is_not(None))).order_by(Demande.demandee_le, Demande.id))
    waiting, done = [], []
    for demande in rows:
        champ = demandes.champ_of(demande)
        view = {"id": demande.id, "onglet": ELEVE if demande.eleve_id else RESPONSABLE, "qui": _who(db, demande),
                "champ": demande.champ, "libelle": champ.label,
                "avant": display(champ, demande.ancienne_valeur), "apres": display(champ, demande.nouvelle_valeur),
                "demandee_le": demande.demandee_le.isoformat(),
                "demandeur": f"{demande.demandeur_prenom} {demande.demandeur_nom}",
                "etat": demande.etat, "motif": demande.motif,
                "decidee_le": demande.decidee_le.isoformat() if demande.decidee_le else None}
        (waiting if demande.etat == EN_ATTENTE else done).append(view)
    return {"eleve_id": eleve.id, "nom": eleve.nom, "prenom": eleve.prenom, "siecle_eleve_id": eleve.siecle_eleve_id,
            "en_attente": waiting, "traitees": done[-RECENT_DECISIONS:]}
