"""Grades for the demo académie: a trimester of realistic evaluations for
every class of the given establishments, imported through the notes service's
back-office RPC (the same entry points as `tools.import_notes`), then the
service opened for those establishments.

Called by the demo generator once the students are imported:

    from tools import demo_notes
    demo_notes.fill(rpc, ["0599001A", "0599002B", "0599003C"], modes={"0599002B": "echeance"})

Everything is derived from a seed per establishment, so the same académie gets
the same grades; dates are relative to the demo clock's today.
"""
import random
from datetime import date, datetime, time, timedelta

from common.config import clock_file
from common.clock import PARIS, Clock, school_year
from common.rpc_client import RpcClient

SUBJECTS = {
    "college": [
        ("FRANC", "Français"), ("MATHS", "Mathématiques"), ("HG", "Histoire-géographie-EMC"),
        ("ANG", "Anglais LV1"), ("ESP", "Espagnol LV2"), ("SVT", "Sciences de la vie et de la Terre"),
        ("PC", "Physique-chimie"), ("TECH", "Technologie"), ("ARTS", "Arts plastiques"),
        ("MUS", "Éducation musicale"), ("EPS", "Éducation physique et sportive"),
    ],
    "lycee": [
        ("FRANC", "Français"), ("MATHS", "Mathématiques"), ("HG", "Histoire-géographie"),
        ("ANG", "Anglais LVA"), ("ESP", "Espagnol LVB"), ("SVT", "Sciences de la vie et de la Terre"),
        ("PC", "Physique-chimie"), ("SES", "Sciences économiques et sociales"),
        ("SNT", "Sciences numériques et technologie"), ("PHILO", "Philosophie"),
        ("EMC", "Enseignement moral et civique"), ("EPS", "Éducation physique et sportive"),
    ],
}
TITLES = {
    "default": ["Contrôle", "Interrogation écrite", "Devoir maison", "Évaluation de fin de chapitre", "Exposé"],
    "FRANC": ["Dictée", "Rédaction", "Lecture analytique", "Grammaire", "Récitation"],
    "MATHS": ["Calcul mental", "Fractions", "Géométrie", "Devoir maison", "Contrôle de chapitre"],
    "ANG": ["Compréhension orale", "Vocabulaire", "Expression écrite", "Oral en continu"],
    "ESP": ["Compréhension écrite", "Vocabulaire", "Expression orale"],
    "EPS": ["Course de demi-fond", "Badminton", "Acrosport", "Natation"],
    "HG": ["Croquis", "Étude de documents", "Repères chronologiques", "Contrôle"],
}
SURNAMES = ["DUPONT", "LEROY", "MOREAU", "FOURNIER", "GIRARD", "BONNET", "LAMBERT", "FONTAINE", "ROUSSEAU",
            "VINCENT", "MULLER", "LEFEVRE", "FAURE", "ANDRE", "MERCIER", "BLANC", "GUERIN", "BOYER",
            "GARNIER", "CHEVALIER", "FRANCOIS", "LEGRAND", "GAUTHIER", "PERRIN"]
TRIMESTER = timedelta(weeks=12)


def _teachers(rng: random.Random, classes: list[str], subjects: list[tuple]) -> dict:
    """One teacher per subject and class level, now and then two (a shared class)."""
    out = {}
    for code, _label in subjects:
        for classe in classes:
            names = [f"{rng.choice(['M.', 'Mme'])} {rng.choice(SURNAMES)}"]
            if rng.random() < 0.1:
                names.append(f"{rng.choice(['M.', 'Mme'])} {rng.choice(SURNAMES)}")
            out[code, classe] = names
    return out


def _grade(rng: random.Random, level: float, bareme: int, code: str) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "ABS"
    if code == "EPS" and roll < 0.07:
        return "DISP"
    if roll < 0.055:
        return "NN"
    on_20 = min(20.0, max(0.0, rng.gauss(level, 3.0)))
    value = round(on_20 * bareme / 20 * 2) / 2  # to the half point
    return f"{value:g}".replace(".", ",")


def rows_for(uai: str, eleves: list[dict], type_: str, today: date, now: datetime) -> tuple[list, list]:
    """(subjects, grade rows) for one establishment, as the CSV import has them."""
    rng = random.Random(f"demo-notes-{uai}")
    subjects = SUBJECTS.get(type_, SUBJECTS["college"])
    start = max(date(school_year(today), 9, 8), today - TRIMESTER)
    classes = sorted({e["classe"] for e in eleves if e["classe"]})
    teachers = _teachers(rng, classes, subjects)
    levels = {e["eleve_id"]: rng.uniform(8.5, 16.5) for e in eleves}
    rows = []
    for classe in classes:
        students = [e for e in eleves if e["classe"] == classe]
        for code, _label in subjects:
            day = start + timedelta(days=rng.randrange(0, 10))
            k = 0
            while day <= today:
                if day.weekday() >= 5:
                    day += timedelta(days=7 - day.weekday())
                    continue
                k += 1
                bareme = rng.choices([20, 10, 5], weights=[7, 2, 1])[0]
                coefficient = rng.choices(["1", "2", "0,5", "3"], weights=[6, 2, 1, 1])[0]
                entered = datetime.combine(day + timedelta(days=rng.randrange(0, 4)),
                                           time(rng.randrange(12, 22), rng.randrange(60)), tzinfo=PARIS)
                # The last ones are entered today: published tomorrow (au fil de l'eau).
                entered = min(entered, now - timedelta(minutes=5))
                titles = TITLES.get(code, TITLES["default"])
                evaluation = {
                    "evaluation": f"{classe}-{code}-{k}", "matiere": code, "groupe": classe,
                    "enseignants": ", ".join(teachers[code, classe]), "date": day.strftime("%d/%m/%Y"),
                    "titre": f"{titles[(k - 1) % len(titles)]}", "coefficient": coefficient,
                    "bareme": str(bareme), "date_publication": (day + timedelta(days=7)).strftime("%d/%m/%Y"),
                    "saisie_le": entered.strftime("%d/%m/%Y %H:%M"),
                }
                for e in students:
                    rows.append({**evaluation, "eleve": e["siecle_eleve_id"],
                                 "note": _grade(rng, levels[e["eleve_id"]] + rng.uniform(-2, 2), bareme, code)})
                day += timedelta(days=rng.randrange(9, 16))
    return [{"code": c, "libelle": label} for c, label in subjects], rows


def fill(rpc: RpcClient, uais: list[str], modes: dict | None = None, clock: Clock | None = None) -> dict:
    """Import a trimester of grades for every class of these establishments,
    open the notes service there, and set the publication mode given in
    `modes` ({uai: "fil_de_l_eau" | "echeance"}; au fil de l'eau otherwise).
    Returns {uai: import report}."""
    clock = clock or Clock(clock_file())
    today, now = clock.today(), clock.now()
    reports = {}
    for uai in uais:
        etab = rpc.call("accounts", "get_etablissement", uai=uai)
        eleves = rpc.call("accounts", "list_eleves", uai=uai)
        subjects, rows = rows_for(uai, eleves, etab["type"], today, now)
        rpc.call("notes", "import_matieres", uai=uai, rows=subjects, timeout=120)
        reports[uai] = rpc.call("notes", "import_evaluations", uai=uai, rows=rows, timeout=300) if rows else {}
        rpc.call("notes", "set_publication_mode", uai=uai, mode=(modes or {}).get(uai, "fil_de_l_eau"))
        rpc.call("notes", "set_opening", uai=uai, is_open=True, account_id=None)
    return reports
