"""The livret scolaire du lycée for the demo académie: première and terminale
for the demo lycée's students, sent as replication files through the LSL
service's back-office RPC (the same entry point as `tools.import_lsl`), then
the service opened there.

Called by the demo generator once the students are imported:

    from tools import demo_lsl
    demo_lsl.fill(rpc, "0599003C", clock, naissances={"3002": date(2008, 3, 12), ...})

- students in première: this year;
- students in terminale: last year's première and this year's terminale, with
  this year's exam opinion (so the "Avis examen" screen can be seen);
- Lucas LEFEBVRE (SIECLE id 3002) repeats terminale: première two years ago,
  terminale last year with an opinion, terminale again this year without one
  yet (last year's is never shown);
- the terminale student whose 18th birthday comes soonest this school year
  turns 18 during terminale (their guardians act until then, they act after).

Everything derives from a seed, so the same académie gets the same livrets;
years are relative to the demo clock's school year.
"""
import random
from datetime import date

from common.config import clock_file
from common.clock import Clock, school_year
from common.rpc_client import RpcClient
from tools.lsl_writer import lsl_xml

REPEATING = "3002"
OBLIGATOIRES, SPECIALITES, FACULTATIFS = ("Enseignements obligatoires", "Enseignements de spécialité",
                                          "Enseignements facultatifs")
# Demo nomenclature: 061300, 100100, 030001 and 030002 are the BCN codes the
# public sources give; the others are made up in the same shape.
MATIERES = [
    ("020100", "Français", OBLIGATOIRES), ("021000", "Philosophie", OBLIGATOIRES),
    ("040100", "Histoire-géographie", OBLIGATOIRES), ("030001", "Langue vivante A – anglais", OBLIGATOIRES),
    ("030002", "Langue vivante B – espagnol", OBLIGATOIRES), ("100100", "Éducation physique et sportive", OBLIGATOIRES),
    ("070100", "Enseignement scientifique", OBLIGATOIRES), ("061300", "Mathématiques", SPECIALITES),
    ("062100", "Physique-chimie", SPECIALITES), ("064100", "Sciences économiques et sociales", SPECIALITES),
    ("030201", "Latin", FACULTATIFS),
]
COMPETENCES = [
    ("0010", "S'exprimer à l'écrit"), ("0011", "S'exprimer à l'oral"), ("0012", "Analyser un texte"),
    ("0020", "Raisonner, démontrer"), ("0021", "Modéliser"), ("0022", "Calculer"),
    ("0030", "Comprendre un document"), ("0031", "Argumenter"),
    ("0040", "Compréhension de l'oral"), ("0041", "Expression écrite"),
    ("0050", "S'engager dans une activité physique"), ("0051", "Coopérer"),
]
SKILLS = {"020100": ["0010", "0011", "0012"], "021000": ["0010", "0031"], "040100": ["0030", "0031"],
          "030001": ["0040", "0041"], "030002": ["0040", "0041"], "100100": ["0050", "0051"],
          "070100": ["0020", "0030"], "061300": ["0020", "0021", "0022"], "062100": ["0020", "0021"],
          "064100": ["0030", "0031"], "030201": ["0012", "0030"]}
PREMIERE = ["020100", "040100", "030001", "030002", "100100", "070100", "061300", "062100", "064100"]
TERMINALE = ["021000", "040100", "030001", "030002", "100100", "070100", "061300", "062100"]
TEACHERS = {code: (nom, prenom) for code, (nom, prenom) in zip(
    [m[0] for m in MATIERES],
    [("DUPONT", "Marie"), ("LEROY", "Paul"), ("MOREAU", "Claire"), ("SMITH", "John"), ("GARCIA", "Lucía"),
     ("FONTAINE", "Hugo"), ("BONNET", "Sarah"), ("LAMBERT", "Éric"), ("VINCENT", "Hélène"),
     ("GIRARD", "Noémie"), ("ROUSSEAU", "Adèle")])}
APPRECIATIONS = {
    "haut": ["Excellent travail tout au long de l'année, félicitations.", "Très bon niveau, participation riche.",
             "Élève brillant(e) et rigoureux(se), à l'aise à l'écrit comme à l'oral."],
    "moyen": ["Travail régulier, des progrès réels au fil de l'année.", "Ensemble satisfaisant ; soigner la rédaction.",
              "Des capacités ; l'investissement doit rester constant."],
    "bas": ["Des difficultés persistantes ; un travail plus régulier est nécessaire.",
            "Résultats fragiles, mais des efforts au dernier trimestre.", "Doit s'investir davantage à la maison."],
}
CPE = ("LECLERC", "Nathalie")
HEAD = ("MOREAU", "Isabelle")


def _band(level: float) -> str:
    return "haut" if level >= 14 else "moyen" if level >= 10 else "bas"


def _avis_code(level: float) -> str:
    return "T" if level >= 14 else "F" if level >= 10.5 else "D"


def _structure(rng: random.Random, effectif: int) -> tuple:
    moins = round(rng.uniform(3, 20), 2)
    milieu = round(rng.uniform(30, 55), 2)
    return (effectif, f"{rng.uniform(9.5, 13.5):.2f}", f"{moins:.2f}", f"{milieu:.2f}", f"{100 - moins - milieu:.2f}")


def _year(rng: random.Random, year: int, classe: str, subjects: list[str], level: float, effectif: int,
          latin: bool) -> dict:
    evaluations = []
    for code in subjects + (["030201"] if latin else []):
        subject_level = min(19.5, max(4.0, rng.gauss(level, 1.8)))
        periodes = [f"{min(20.0, max(0.0, rng.gauss(subject_level, 1.2))):.2f}" for _ in range(3)]
        if code == "100100" and rng.random() < 0.15:
            periodes[1] = "-1"  # dispensé one trimester: no valid average
        skills_level = "4" if subject_level >= 15 else "3" if subject_level >= 11 else "2" if subject_level >= 8 else "1"
        evaluations.append({
            "code": code, "modalite": "F" if code == "030201" else "S", "structure": _structure(rng, effectif),
            "appreciation": rng.choice(APPRECIATIONS[_band(subject_level)]), "periodes": periodes,
            "competences": [(c, skills_level if code not in ("030001", "030002") else
                             ("B2" if subject_level >= 13 else "B1")) for c in SKILLS[code]],
            "enseignants": [TEACHERS[code]]})
    return {"annee": year, "periode": "T", "classe": classe, "serie": "GENERALE", "evaluations": evaluations}


def _history(eleve: dict, annee: int, uai_nom: tuple, repeats: bool) -> list[tuple]:
    """6e to this year, one row per year; a repeated terminale twice."""
    levels = ["6EME", "5EME", "4EME", "3EME", "2NDE GENERALE ET TECHNOLOGIQUE", "1ERE GENERALE", "TERMINALE GENERALE"]
    if repeats:
        levels.append("TERMINALE GENERALE")
    current = len(levels) - 1 if eleve["classe"].startswith("TERM") else 5
    rows = []
    college = ("COLLÈGE JEAN MOULIN", "WATTIGNIES") if int(eleve["siecle_eleve_id"]) % 2 else (
        "COLLÈGE MARIE CURIE", "SECLIN")
    for i, label in enumerate(levels[:current + 1]):
        year = annee - (current - i)
        etab = college if i < 4 else uai_nom
        rows.append((label, year, *etab))
    return rows


def records(uai: str, eleves: list[dict], naissances: dict, today: date, etab: dict) -> tuple[list, list, dict]:
    """(last year's file record, this year's, the stories) for the lycée."""
    annee = school_year(today)
    rng = random.Random(f"demo-lsl-{uai}")
    premiere = [e for e in eleves if (e["classe"] or "").startswith("1")]
    terminale = [e for e in eleves if (e["classe"] or "").startswith("TERM")]
    turning = sorted((e for e in terminale if e["siecle_eleve_id"] in naissances and
                      today < naissances[e["siecle_eleve_id"]].replace(year=naissances[e["siecle_eleve_id"]].year + 18)
                      <= date(annee + 1, 7, 4)),
                     key=lambda e: naissances[e["siecle_eleve_id"]])
    lycee = (etab["nom"], etab.get("commune", ""))
    last_year, this_year = [], []
    for e in premiere + terminale:
        level = rng.uniform(8.5, 16.5)
        latin = rng.random() < 0.2
        repeats = e["siecle_eleve_id"] == REPEATING and e in terminale
        history = _history(e, annee, lycee, repeats)
        engagements = rng.sample(["C", "V", "A", "E", "S"], k=rng.choice([0, 0, 1, 1, 2]))
        record = {"id": e["siecle_eleve_id"], "engagements": engagements, "historique": history,
                  "engagement_autre": "Tutorat d'élèves de seconde" if rng.random() < 0.15 else None}
        cpe = (f"{e['prenom']} s'implique dans la vie du lycée." if engagements
               else "Élève discret(e), ponctuel(le) et assidu(e).", *CPE)
        investissement = (rng.choice(["Investissement constant et sérieux.", "Investissement inégal selon les "
                                      "disciplines.", "Élève impliqué(e) et volontaire."]), *HEAD)
        if e in premiere:
            this_year.append({**record, "annees": [{**_year(rng, annee, e["classe"], PREMIERE, level, 28, latin),
                                                    "avis_engagement": cpe, "avis_investissement": investissement}]})
            continue
        if repeats:
            first = _year(rng, annee - 2, "1RE 2", PREMIERE, level, 27, latin)
            failed = _year(rng, annee - 1, "TERM 2", TERMINALE, level - 2, 26, latin)
            failed["avis_chef_etab"] = ("Doit fournir un travail plus régulier.", *HEAD)
            last_year.append({**record, "avis_examen": "D", "annees": [first, failed],
                              "historique": history[:-1]})
            again = _year(rng, annee, e["classe"], TERMINALE, level + 1, 24, latin)
            this_year.append({**record, "annees": [first, failed, {**again, "avis_engagement": cpe,
                                                                   "avis_investissement": investissement}]})
            continue
        first = {**_year(rng, annee - 1, "1RE 2", PREMIERE, level, 27, latin), "avis_investissement": investissement}
        now = {**_year(rng, annee, e["classe"], TERMINALE, level, 24, latin), "avis_engagement": cpe,
               "avis_chef_etab": (rng.choice(["Bon dossier.", "Des progrès nets cette année.",
                                              "Doit confirmer ses résultats."]), *HEAD)}
        this_year.append({**record, "avis_examen": _avis_code(level), "annees": [first, now]})
    stories = {"redoublant": REPEATING if any(e["siecle_eleve_id"] == REPEATING for e in terminale) else None,
               "majeur_en_terminale": turning[0]["siecle_eleve_id"] if turning else None}
    base = {"uai": uai, "matieres": MATIERES, "competences": COMPETENCES}
    return ({**base, "eleves": last_year} if last_year else None), {**base, "eleves": this_year}, stories


def fill(rpc: RpcClient, uai: str, clock: Clock | None = None, naissances: dict | None = None) -> dict:
    """Replicate last year's then this year's LSL file for the lycée `uai` and
    open the service there. Returns the reports and who the stories are."""
    clock = clock or Clock(clock_file())
    today = clock.today()
    etab = rpc.call("accounts", "get_etablissement", uai=uai)
    eleves = rpc.call("accounts", "list_eleves", uai=uai)
    last_year, this_year, stories = records(uai, eleves, naissances or {}, today, etab)
    reports = []
    for record in (last_year, this_year):
        if record and record["eleves"]:
            reports.append(rpc.call("lsl", "replicate", uai=uai, xml=lsl_xml(record).decode("utf-8"), timeout=300))
    rpc.call("lsl", "set_opening", uai=uai, is_open=True, account_id=None)
    return {"reports": reports, **stories}
