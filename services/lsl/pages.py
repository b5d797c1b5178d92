"""The five screens' data (guide § 3.2): the service's home (only the parts
that hold data), Enseignements, Engagements / investissements, Avis examen,
Scolarité; and the final livret, which prints the same content. Everything a
page shows is decided here; the gateway lays it out."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.clock import school_year
from services.lsl import codes, rules
from services.lsl.models import AnneeLivret, EvaluationLsl, LivretEleve, Nomenclature


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


def _average(periodes: list[dict]) -> float | None:
    values = [Decimal(p["moyenne"]) for p in periodes if p["moyenne"] is not None]
    if not values:
        return None
    return float((sum(values) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _number(value) -> float | None:
    return None if value is None else float(value)


def _group_order(name: str) -> tuple:
    # The paper livret prints the compulsory subjects first and the optional ones last.
    return (0 if name == codes.OBLIGATOIRES else 2 if name == codes.FACULTATIFS else 1, name)


def evaluated_years(db: Session, eleve_id: int) -> list[dict]:
    """The school years with evaluations, from première on, oldest first."""
    rows = db.execute(select(AnneeLivret.annee_scolaire, AnneeLivret.classe)
                      .where(AnneeLivret.eleve_id == eleve_id,
                             AnneeLivret.id.in_(select(EvaluationLsl.annee_id)))
                      .order_by(AnneeLivret.annee_scolaire))
    return [{"annee_scolaire": year, "annee": annee_label(year), "classe": classe} for year, classe in rows]


def enseignements(db: Session, eleve_id: int, annee: int | None = None) -> list[dict]:
    """Per school year from première (only `annee` if given), only years with
    evaluations; subjects grouped as on the paper livret. Read as plain rows
    (two statements whatever the number of subjects)."""
    where = [AnneeLivret.eleve_id == eleve_id] + ([AnneeLivret.annee_scolaire == annee] if annee else [])
    rows = db.execute(
        select(AnneeLivret.annee_scolaire, AnneeLivret.classe, AnneeLivret.code_periode,
               EvaluationLsl.code_matiere, EvaluationLsl.modalite_election, EvaluationLsl.appreciation,
               EvaluationLsl.enseignants, EvaluationLsl.periodes, EvaluationLsl.moyenne_groupe,
               EvaluationLsl.effectif, EvaluationLsl.repar_moins_huit, EvaluationLsl.repar_huit_douze,
               EvaluationLsl.repar_plus_douze, EvaluationLsl.competences)
        .join(EvaluationLsl, EvaluationLsl.annee_id == AnneeLivret.id)
        .where(*where)
        .order_by(AnneeLivret.annee_scolaire, EvaluationLsl.id)).all()
    wanted = {r.code_matiere for r in rows} | {c["code"] for r in rows for c in r.competences}
    labels = {(n.kind, n.code): n for n in db.execute(
        select(Nomenclature.kind, Nomenclature.code, Nomenclature.libelle, Nomenclature.regroupement,
               Nomenclature.ordre).where(Nomenclature.code.in_(wanted)))} if wanted else {}
    years: dict[int, dict] = {}
    for r in rows:
        year = years.setdefault(r.annee_scolaire, {
            "annee_scolaire": r.annee_scolaire, "annee": annee_label(r.annee_scolaire), "classe": r.classe,
            "code_periode": r.code_periode, "groups": {}})
        subject = labels.get(("matiere", r.code_matiere))
        group = (subject.regroupement if subject and subject.regroupement
                 else codes.DEFAULT_REGROUPEMENT[r.modalite_election])
        year["groups"].setdefault(group, []).append((subject.ordre if subject else 999, {
            "code": r.code_matiere,
            "libelle": subject.libelle if subject else r.code_matiere,
            "modalite": codes.MODALITES[r.modalite_election],
            "appreciation": r.appreciation,
            "enseignants": r.enseignants,
            "moyenne_eleve": _average(r.periodes),
            "periodes": r.periodes,
            "moyenne_groupe": _number(r.moyenne_groupe),
            "effectif": r.effectif,
            "repartition": {"moins_huit": _number(r.repar_moins_huit), "huit_douze": _number(r.repar_huit_douze),
                            "plus_douze": _number(r.repar_plus_douze)},
            "competences": [{"code": c["code"],
                             "libelle": labels[("competence", c["code"])].libelle
                             if ("competence", c["code"]) in labels else c["code"],
                             "niveau": c["niveau"], "niveau_libelle": codes.NIVEAUX[c["niveau"]]}
                            for c in r.competences],
        }))
    return [{**{k: v for k, v in year.items() if k != "groups"},
             "regroupements": [{"libelle": name, "matieres": [m for _, m in sorted(items, key=lambda x: x[0])]}
                               for name, items in sorted(year["groups"].items(), key=lambda g: _group_order(g[0]))]}
            for year in years.values()]


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
