"""The five screens' data (guide § 3.2): the service's home (only the parts
that hold data), Enseignements, Engagements / investissements, Avis examen,
Scolarité; and the final livret, which prints the same content. Everything a
page shows is decided here; the gateway lays it out."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from common.clock import school_year
from services.lsl import codes, rules
from services.lsl.models import AnneeLivret, EvaluationLsl, LivretEleve, Nomenclature


def load(db: Session, eleve_id: int, evaluations: bool = False) -> LivretEleve | None:
    options = [selectinload(LivretEleve.annees), selectinload(LivretEleve.historique)]
    if evaluations:
        options = [selectinload(LivretEleve.annees).selectinload(AnneeLivret.evaluations),
                   selectinload(LivretEleve.historique)]
    return db.scalars(select(LivretEleve).where(LivretEleve.eleve_id == eleve_id).options(*options)).one_or_none()


def annee_label(year: int) -> str:
    return f"{year}-{year + 1}"


def _has_engagements(annee: AnneeLivret) -> bool:
    return bool(annee.engagements or annee.engagement_autre or annee.avis_engagement or annee.avis_investissement)


def home(db: Session, livret: LivretEleve, today: date) -> dict:
    """Which tiles the service's home shows: only the parts with data."""
    has_evaluations = db.scalar(
        select(func.count()).select_from(EvaluationLsl).join(AnneeLivret)
        .where(AnneeLivret.eleve_id == livret.eleve_id)) > 0
    return {
        "enseignements": has_evaluations,
        "engagements": any(_has_engagements(a) for a in livret.annees),
        "avis_examen": rules.avis_visible(livret.avis_examen, livret.avis_examen_annee, today),
        "scolarite": bool(livret.historique),
    }


def _average(periodes: list[dict]) -> Decimal | None:
    values = [Decimal(p["moyenne"]) for p in periodes if p["moyenne"] is not None]
    if not values:
        return None
    return (sum(values) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _labels(db: Session, kind: str, wanted: set) -> dict:
    if not wanted:
        return {}
    return {n.code: n for n in db.scalars(select(Nomenclature).where(Nomenclature.kind == kind,
                                                                     Nomenclature.code.in_(wanted)))}


def _group_order(name: str) -> tuple:
    # The paper livret prints the compulsory subjects first and the optional ones last.
    return (0 if name == codes.OBLIGATOIRES else 2 if name == codes.FACULTATIFS else 1, name)


def enseignements(db: Session, livret: LivretEleve) -> list[dict]:
    """Per school year from première, only years with evaluations; subjects
    grouped as on the paper livret."""
    annees = [a for a in livret.annees if a.evaluations]
    matieres = _labels(db, "matiere", {e.code_matiere for a in annees for e in a.evaluations})
    competences = _labels(db, "competence", {c["code"] for a in annees for e in a.evaluations
                                             for c in e.competences})
    out = []
    for annee in annees:
        groups: dict[str, list] = {}
        for e in annee.evaluations:
            nomenclature = matieres.get(e.code_matiere)
            group = (nomenclature.regroupement if nomenclature and nomenclature.regroupement
                     else codes.DEFAULT_REGROUPEMENT[e.modalite_election])
            groups.setdefault(group, []).append((nomenclature.ordre if nomenclature else 999, {
                "code": e.code_matiere,
                "libelle": nomenclature.libelle if nomenclature else e.code_matiere,
                "modalite": codes.MODALITES[e.modalite_election],
                "appreciation": e.appreciation,
                "enseignants": e.enseignants,
                "moyenne_eleve": _average(e.periodes),
                "periodes": e.periodes,
                "moyenne_groupe": e.moyenne_groupe,
                "effectif": e.effectif,
                "repartition": {"moins_huit": e.repar_moins_huit, "huit_douze": e.repar_huit_douze,
                                "plus_douze": e.repar_plus_douze},
                "competences": [{"code": c["code"],
                                 "libelle": competences[c["code"]].libelle if c["code"] in competences else c["code"],
                                 "niveau": c["niveau"], "niveau_libelle": codes.NIVEAUX[c["niveau"]]}
                                for c in e.competences],
            }))
        out.append({
            "annee_scolaire": annee.annee_scolaire, "annee": annee_label(annee.annee_scolaire),
            "classe": annee.classe, "code_periode": annee.code_periode,
            "regroupements": [{"libelle": name, "matieres": [m for _, m in sorted(items, key=lambda x: x[0])]}
                              for name, items in sorted(groups.items(), key=lambda g: _group_order(g[0]))],
        })
    return out


def engagements(livret: LivretEleve) -> list[dict]:
    """Per year since première: the commitments and the CPE's observation, the
    observation on the student's investment."""
    return [{"annee_scolaire": a.annee_scolaire, "annee": annee_label(a.annee_scolaire), "classe": a.classe,
             "engagements": [{"code": c, "libelle": codes.ENGAGEMENTS[c]} for c in a.engagements],
             "engagement_autre": a.engagement_autre, "avis_engagement": a.avis_engagement,
             "avis_investissement": a.avis_investissement}
            for a in livret.annees if _has_engagements(a)]


def _current_annee(livret: LivretEleve) -> AnneeLivret | None:
    return next((a for a in livret.annees if a.annee_scolaire == livret.avis_examen_annee), None)


def avis_examen(db: Session, livret: LivretEleve, today: date) -> dict | None:
    """This year's opinion, the head's observations, and the distribution of
    opinions among the students of the same série in the establishment this
    year; None when there is no opinion for the current year."""
    if not rules.avis_visible(livret.avis_examen, livret.avis_examen_annee, today):
        return None
    annee = _current_annee(livret)
    serie = annee.serie if annee else None
    year = school_year(today)
    query = (select(LivretEleve.avis_examen, func.count())
             .join(AnneeLivret, (AnneeLivret.eleve_id == LivretEleve.eleve_id)
                   & (AnneeLivret.annee_scolaire == LivretEleve.avis_examen_annee))
             .where(LivretEleve.etablissement_uai == livret.etablissement_uai,
                    LivretEleve.avis_examen_annee == year)
             .group_by(LivretEleve.avis_examen))
    query = query.where(AnneeLivret.serie == serie) if serie else query.where(AnneeLivret.serie.is_(None))
    counts = dict(db.execute(query).all())
    return {
        "annee": annee_label(year), "code": livret.avis_examen, "libelle": codes.AVIS_EXAMEN[livret.avis_examen],
        "observations_chef": annee.avis_chef_etab if annee else None,
        "serie": serie, "effectif_serie": sum(counts.values()), "repartition": rules.repartition(counts),
    }


def scolarite(livret: LivretEleve) -> list[dict]:
    """The history since 6e, one row per year, repeated years included."""
    return [{"classe": s.classe, "annee_scolaire": s.annee_scolaire, "annee": annee_label(s.annee_scolaire),
             "etablissement": s.etablissement, "commune": s.commune} for s in livret.historique]
