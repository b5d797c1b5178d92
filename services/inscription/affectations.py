"""Assignment results and lycées' offers, as the back office brings them in
(RPC, `tools/import_inscription.py`), and who may enroll online.

Eligibility (FAQ, domain § 2): assigned at the first round, to a lycée of the
académie, in a 2nde générale et technologique, a 2nde professionnelle, a
2nde de brevet de technicien or a 1re année de CAP. A student of a private
collège is eligible like any other when assigned to a public lycée of the
académie; an assignment to a private lycée is enrolled at that lycée.
"""
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from common.errors import ValidationError
from services.inscription.models import FORMATIONS, Affectation, College, Lycee, Offre
from services.inscription.schemas import AffectationSchema, OffreSchema


def refusal(affectation: Affectation, academie: str) -> str | None:
    """Why this assignment cannot be enrolled online, or None (eligible)."""
    if affectation.tour != 1:
        return ("L'inscription en ligne concerne les affectations du premier tour : pour une affectation du "
                f"{affectation.tour}e tour, l'inscription se fait directement au lycée.")
    if affectation.formation_type not in FORMATIONS:
        return ("L'inscription en ligne concerne l'entrée en 2nde générale et technologique, 2nde "
                "professionnelle, 2nde de brevet de technicien ou 1re année de CAP : pour cette formation, "
                "l'inscription se fait directement au lycée.")
    if affectation.lycee.academie != academie:
        return ("L'inscription en ligne concerne les lycées de l'académie : pour un lycée d'une autre académie, "
                "l'inscription se fait directement auprès de lui.")
    if not affectation.lycee.public:
        return "L'inscription dans un lycée privé se fait directement auprès de lui."
    return None


def _fields_error(errors: dict, ligne: int) -> str:
    parts = []
    for name, messages in errors.items():
        text = messages if isinstance(messages, str) else "; ".join(
            m if isinstance(m, str) else str(m) for m in (messages if isinstance(messages, list) else [messages]))
        parts.append(f"{name} : {text}")
    return f"ligne {ligne} : " + " ; ".join(parts)


def import_rows(db, annee: int, rows, eleves_by_ine: dict, now) -> dict:
    """Create or update each line's assignment (by rentrée and INE), with its
    collège and lycée. A line whose student is unknown to the collège's
    accounts is skipped with a French reason; a malformed line refuses the
    whole file (ValidationError naming each line), nothing stored."""
    if not isinstance(rows, list):
        raise ValidationError({"affectations": ["Liste de lignes attendue."]})
    schema, loaded, errors = AffectationSchema(), [], []
    for n, row in enumerate(rows, start=1):
        try:
            loaded.append(schema.load(row if isinstance(row, dict) else {}))
        except SchemaError as exc:
            errors.append(_fields_error(exc.messages, n))
    if errors:
        raise ValidationError({"affectations": errors[:50]})
    report = {"creees": 0, "mises_a_jour": 0, "ignorees": []}
    for n, data in enumerate(loaded, start=1):
        eleve_id = eleves_by_ine.get((data["college_uai"], data["ine"]))
        if eleve_id is None:
            report["ignorees"].append(f"ligne {n} : élève {data['prenom']} {data['nom']} (INE {data['ine']}) "
                                      f"inconnu du collège {data['college_uai']}.")
            continue
        _upsert_college(db, data)
        _upsert_lycee(db, data)
        affectation = db.scalar(select(Affectation).where(Affectation.annee_scolaire == annee,
                                                          Affectation.ine == data["ine"]))
        if affectation is None:
            affectation = Affectation(annee_scolaire=annee, ine=data["ine"])
            db.add(affectation)
            report["creees"] += 1
        else:
            report["mises_a_jour"] += 1
        affectation.eleve_id, affectation.nom, affectation.prenom = eleve_id, data["nom"], data["prenom"]
        affectation.college_uai, affectation.lycee_uai = data["college_uai"], data["lycee_uai"]
        affectation.mef, affectation.formation_type = data["mef"], data["formation_type"]
        affectation.formation, affectation.sections = data["formation"], data["sections"]
        affectation.tour, affectation.voeux = data["tour"], data["voeux"]
        affectation.imported_at = now
        db.flush()
    return report


def _upsert_college(db, data):
    college = db.get(College, data["college_uai"]) or College(uai=data["college_uai"])
    college.nom, college.prive = data["college_nom"], data["college_prive"]
    if data["college_telephone"]:
        college.telephone = data["college_telephone"]
    if data["college_email"]:
        college.email_direction = data["college_email"]
    db.add(college)


def _upsert_lycee(db, data):
    lycee = db.get(Lycee, data["lycee_uai"]) or Lycee(uai=data["lycee_uai"])
    lycee.nom, lycee.public, lycee.academie = data["lycee_nom"], data["lycee_public"], data["lycee_academie"]
    lycee.adresse, lycee.code_postal, lycee.commune = (data["lycee_adresse"], data["lycee_code_postal"],
                                                       data["lycee_commune"])
    db.add(lycee)
    db.flush()


def import_offres(db, rows) -> dict:
    """Replace what each listed lycée offers for each listed training; all or
    nothing (ValidationError naming each faulty line)."""
    if not isinstance(rows, list):
        raise ValidationError({"offres": ["Liste de lignes attendue."]})
    schema, loaded, errors = OffreSchema(), [], []
    for n, row in enumerate(rows, start=1):
        try:
            loaded.append(schema.load(row if isinstance(row, dict) else {}))
        except SchemaError as exc:
            errors.append(_fields_error(exc.messages, n))
    if errors:
        raise ValidationError({"offres": errors[:50]})
    for data in loaded:
        offre = db.get(Offre, (data["lycee_uai"], data["mef"])) or Offre(lycee_uai=data["lycee_uai"], mef=data["mef"])
        offre.lv1, offre.lv2, offre.options, offre.sections = (data["lv1"], data["lv2"], data["options"],
                                                               data["sections"])
        offre.max_options = data["max_options"]
        db.add(offre)
    return {"offres": len(loaded)}


def for_child(db, eleve_id: int, college_uai: str) -> Affectation | None:
    """The child's latest assignment, shown in the menu of their current
    collège only."""
    return db.scalar(select(Affectation).where(Affectation.eleve_id == eleve_id,
                                               Affectation.college_uai == college_uai)
                     .order_by(Affectation.annee_scolaire.desc()).limit(1))
