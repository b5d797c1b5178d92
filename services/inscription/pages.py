"""What the pages show: the family's page (every step's data, the window,
the other guardian's decision), and the lycée's and the collège's lists with
the CSV export. Labels are resolved here, once, for the pages, the PDF and
the CSV alike."""
import csv
import io

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from services.inscription import campagnes, dossiers
from services.inscription.models import (
    COMPLET, ETATS, FORMATIONS, INSCRIT, SANS_REPONSE, Affectation, Campagne, Offre,
)
from common.typography import french_datetime, spaced

# Step 3: the fields the family may update here, as the fiche names them
# (its `validate_changes` applies its rules to them).
DONNEES = {
    "eleve": {"tel_portable": "Téléphone portable de l'élève", "email": "Courriel de l'élève"},
    "responsable": {"adresse": "Votre adresse", "tel_portable": "Votre téléphone portable",
                    "tel_personnel": "Votre téléphone personnel", "tel_professionnel": "Votre téléphone professionnel",
                    "email": "Votre courriel"},
}

MENTION_LYCEE = ("L'inscription en ligne n'est pas obligatoire : vous pouvez aussi inscrire votre enfant "
                 "directement au lycée.")


def etat(affectation: Affectation) -> str:
    return affectation.dossier.etat if affectation.dossier is not None else SANS_REPONSE


def offre_of(db, affectation: Affectation) -> Offre | None:
    return db.get(Offre, (affectation.lycee_uai, affectation.mef))


def offre_view(offre: Offre | None) -> dict:
    if offre is None:
        return {"lv1": [], "lv2": [], "options": [], "sections": [], "max_options": 0}
    return {"lv1": offre.lv1, "lv2": offre.lv2, "options": offre.options, "sections": offre.sections,
            "max_options": offre.max_options}


def voeux_labels(offre: Offre | None, voeux: dict | None) -> list[tuple[str, str]]:
    """[(what, label)] of the wishes, in the order the summary shows them."""
    if not voeux:
        return []
    view = offre_view(offre)
    names = {kind: {c["code"]: c["libelle"] for c in view[kind]} for kind in ("lv1", "lv2", "options", "sections")}
    out = []
    if voeux.get("lv1"):
        out.append(("Langue vivante A", names["lv1"].get(voeux["lv1"], voeux["lv1"])))
    if voeux.get("lv2"):
        out.append(("Langue vivante B", names["lv2"].get(voeux["lv2"], voeux["lv2"])))
    for code in voeux.get("options") or []:
        out.append(("Enseignement optionnel", names["options"].get(code, code)))
    if voeux.get("section"):
        out.append(("Section", names["sections"].get(voeux["section"], voeux["section"])))
    return out


def _show(value) -> str:
    if isinstance(value, dict):
        lines = [value.get(f"ligne{n}") for n in range(1, 5)]
        town = " ".join(p for p in (value.get("code_postal"), value.get("commune")) if p)
        return ", ".join(p for p in [*lines, town] if p)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return "" if value is None else str(value)


def donnees_labels(dossier) -> list[tuple[str, str]]:
    out = []
    for onglet, values in (("eleve", dossier.donnees_eleve), ("responsable", dossier.donnees_responsable)):
        for name, value in (values or {}).items():
            out.append((DONNEES[onglet].get(name, name), _show(value)))
    return out


def lycee_view(affectation: Affectation) -> dict:
    lycee = affectation.lycee
    return {"uai": lycee.uai, "nom": lycee.nom, "adresse": lycee.adresse,
            "ville": " ".join(p for p in (lycee.code_postal, lycee.commune) if p), "message": lycee.message}


def family_page(db, affectation: Affectation, campagne: Campagne | None, context: dict, now,
                refusal: str | None) -> dict:
    dossier = affectation.dossier
    account_id = context["viewer_account_id"]
    offre = offre_of(db, affectation)
    window = campagnes.view(campagne, now)
    mine = dossier is not None and dossier.decision_account_id == account_id
    can_edit = (window is not None and window["ouverte"] and refusal is None and dossier is not None
                and dossier.etat == INSCRIT and mine)
    return {
        "eligible": refusal is None, "refus": spaced(refusal) if refusal else None,
        "campagne": window,
        "peut_decider": window is not None and window["ouverte"] and refusal is None and dossier is None,
        "peut_continuer": can_edit,
        "etat": etat(affectation), "etat_texte": ETATS[etat(affectation)],
        "etape": dossier.etape if dossier is not None else 1,
        "decision": None if dossier is None else {
            "par": dossier.decision_par, "le": french_datetime(dossier.decision_le), "moi": mine,
            "texte": spaced(dossiers.decided_message(dossier, account_id)),
            "inscrit": dossier.etat in (INSCRIT, COMPLET)},
        "complete_le": french_datetime(dossier.complete_le) if dossier is not None and dossier.complete_le else None,
        "enregistre_le": french_datetime(dossier.updated_at) if dossier is not None else None,
        "lycee": lycee_view(affectation),
        "formation": affectation.formation, "formation_type": FORMATIONS.get(affectation.formation_type,
                                                                             affectation.formation_type),
        "sections_affectation": affectation.sections,
        "voeux_affectation": sorted(affectation.voeux or [], key=lambda v: v["rang"]),
        "college": {"nom": affectation.college.nom, "telephone": affectation.college.telephone},
        "offre": offre_view(offre),
        "voeux": (dossier.voeux if dossier is not None else None) or None,
        "voeux_texte": voeux_labels(offre, dossier.voeux if dossier is not None else None),
        "donnees": {"eleve": (dossier.donnees_eleve if dossier else None) or {},
                    "responsable": (dossier.donnees_responsable if dossier else None) or {}},
        "donnees_texte": donnees_labels(dossier) if dossier is not None else [],
        "champs": DONNEES,
        "mention_lycee": spaced(MENTION_LYCEE),
    }


# -- the schools' lists ---------------------------------------------------------
def school_rows(db, uai: str, annee: int | None) -> list[Affectation]:
    query = (select(Affectation).where(or_(Affectation.lycee_uai == uai, Affectation.college_uai == uai))
             .options(selectinload(Affectation.dossier), selectinload(Affectation.lycee),
                      selectinload(Affectation.college))
             .order_by(Affectation.nom, Affectation.prenom, Affectation.id))
    if annee is not None:
        query = query.where(Affectation.annee_scolaire == annee)
    return list(db.scalars(query))


def school_row(db, affectation: Affectation, offres: dict) -> dict:
    dossier = affectation.dossier
    offre = offres.get((affectation.lycee_uai, affectation.mef))
    return {
        "id": affectation.id, "ine": affectation.ine, "nom": affectation.nom, "prenom": affectation.prenom,
        "college": affectation.college.nom, "college_uai": affectation.college_uai,
        "lycee": affectation.lycee.nom, "lycee_uai": affectation.lycee_uai,
        "formation": affectation.formation, "mef": affectation.mef, "tour": affectation.tour,
        "etat": etat(affectation), "etat_texte": ETATS[etat(affectation)],
        "decision_par": dossier.decision_par if dossier else None,
        "decision_le": french_datetime(dossier.decision_le) if dossier else None,
        "complete_le": french_datetime(dossier.complete_le) if dossier and dossier.complete_le else None,
        "voeux": [f"{what} : {label}" for what, label in voeux_labels(offre, dossier.voeux if dossier else None)],
        "donnees": [f"{what} : {value}" for what, value in (donnees_labels(dossier) if dossier else [])],
    }


def school_listing(db, uai: str, annee: int | None) -> dict:
    rows = school_rows(db, uai, annee)
    offres = {(o.lycee_uai, o.mef): o for o in db.scalars(select(Offre).where(
        Offre.lycee_uai.in_({a.lycee_uai for a in rows})))} if rows else {}
    lines = [school_row(db, a, offres) for a in rows]
    as_lycee = [r for r in lines if r["lycee_uai"] == uai]
    counts = {state: sum(1 for r in lines if r["etat"] == state) for state in ETATS}
    return {"role": "lycee" if as_lycee else "college", "eleves": lines, "total": len(lines),
            "compteurs": [{"etat": s, "texte": ETATS[s], "nombre": counts[s]} for s in ETATS]}


CSV_COLUMNS = ("INE", "Nom", "Prénom", "Collège d'origine", "Formation", "MEF", "État", "Décision par",
               "Décision le", "Terminée le", "Souhaits pédagogiques", "Données modifiées")


def school_csv(db, uai: str, annee: int | None) -> str:
    """The lycée's export: one line per assigned student, `;`-separated as a
    French spreadsheet opens it, with a BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in school_listing(db, uai, annee)["eleves"]:
        writer.writerow([r["ine"], r["nom"], r["prenom"], r["college"], r["formation"], r["mef"], r["etat_texte"],
                         r["decision_par"] or "", r["decision_le"] or "", r["complete_le"] or "",
                         " | ".join(r["voeux"]), " | ".join(r["donnees"])])
    return "\ufeff" + out.getvalue()

