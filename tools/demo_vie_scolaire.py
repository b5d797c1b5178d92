"""Vie scolaire for the demo académie: each establishment's motif table, list
of punishments and period calendar (trimesters in the collèges; semesters in
the lycée's première and terminale classes), then a realistic term of events,
imported through the vie scolaire service's back-office RPC (the same entry
points as `tools.import_vie_scolaire`), then the service opened there.

Most students have nothing; some have absences, a retard, a punition. The
demo's story students (tools/demo.py) have a fuller term: Hugo MARTIN an
absence to justify online, a justified one, a retard, a retenue, a sanction
"famille avisée" and one not (which his parents do not see), a dispense, and a
retard entered today (shown tomorrow); Lucas LEFEBVRE, an adult student, 4
unjustified half-days this month (the school's alerts page lists him) that he
may justify himself; Sarah MARTIN a stage (never shown); Inès BERNARD a mesure
de prévention.

Called by the demo generator once the students are imported:

    from tools import demo_vie_scolaire
    demo_vie_scolaire.fill(rpc, ["0599001A", "0599002B", "0599003C"])

Everything is derived from a seed per establishment; dates are relative to
the demo clock's today.
"""
import random
from datetime import date, datetime, time, timedelta

from common.config import clock_file
from common.clock import PARIS, Clock, school_year
from common.rpc_client import RpcClient

MOTIFS = [
    ("MAL", "Maladie", True), ("RDV", "Rendez-vous médical", True), ("FAM", "Raisons familiales", True),
    ("TRA", "Problème de transport", True), ("REU", "Réunion solennelle de famille", True),
    ("REV", "Panne de réveil", False), ("NV", "Motif non valable", False),
]
PUNITIONS = [("RET", "Retenue"), ("DEV", "Devoir supplémentaire"), ("EXC", "Exclusion ponctuelle de cours")]
DETAILS = {
    "RET": ["Travail non fait à plusieurs reprises", "Bavardages répétés"],
    "DEV": ["Leçon non apprise", "Exercices non rendus"],
    "EXC": ["Perturbation du cours"],
}


def trimesters(year: int) -> list[dict]:
    return [
        {"numero": 1, "libelle": "1er trimestre", "debut": date(year, 9, 1), "fin": date(year, 11, 30)},
        {"numero": 2, "libelle": "2e trimestre", "debut": date(year, 12, 1), "fin": date(year + 1, 2, 28)},
        {"numero": 3, "libelle": "3e trimestre", "debut": date(year + 1, 3, 1), "fin": date(year + 1, 7, 4)},
    ]


def semesters(year: int, classe: str) -> list[dict]:
    return [
        {"classe": classe, "numero": 1, "libelle": "1er semestre", "debut": date(year, 9, 1), "fin": date(year + 1, 1, 24)},
        {"classe": classe, "numero": 2, "libelle": "2e semestre", "debut": date(year + 1, 1, 25),
         "fin": date(year + 1, 7, 4)},
    ]


def periods_for(type_: str, classes: list[str], year: int) -> list[dict]:
    rows = [{"classe": "", **p} for p in trimesters(year)]
    if type_ == "lycee":
        for classe in classes:
            if classe.startswith(("1RE", "TERM")):
                rows += semesters(year, classe)
    return [{**r, "debut": r["debut"].strftime("%d/%m/%Y"), "fin": r["fin"].strftime("%d/%m/%Y")} for r in rows]


class Days:
    """School days before today, counted back (1: the last one before today)."""

    def __init__(self, today: date):
        self.today = today
        self.first = date(school_year(today), 9, 1)

    def back(self, n: int) -> date:
        day, seen = self.today, 0
        while seen < n:
            day -= timedelta(days=1)
            if day.weekday() < 5:
                seen += 1
        return max(day, self.first)


def _at(day: date, hour: int, minute: int = 0) -> str:
    return f"{day:%d/%m/%Y} {hour:02d}:{minute:02d}"


class Events:
    def __init__(self, uai: str, now: datetime):
        self.uai, self.now, self.rows = uai, now, []

    def add(self, eleve: str, nature: str, day: date, hour: int, **columns):
        entered = min(datetime.combine(day, time(18, 0), tzinfo=PARIS), self.now - timedelta(minutes=5))
        self.rows.append({"ref": f"{self.uai}-{len(self.rows) + 1}", "eleve": eleve, "nature": nature,
                          "debut": _at(day, hour), "saisie_le": entered.strftime("%d/%m/%Y %H:%M"), **columns})

    def absence(self, eleve, day, start=8, end=(11, 55), **columns):
        self.add(eleve, "absence", day, start, fin=_at(day, *end),
                 **{"publiable_en_ligne": "oui", **columns})


def story_events(ev: Events, days: Days, today: date, now: datetime) -> None:
    if ev.uai == "0599001A":
        ev.absence("1001", days.back(9), motif="MAL", justifiee="oui", end=(17, 0))
        ev.absence("1001", days.back(3))
        ev.add("1001", "retard", days.back(6), 8, minutes=15, motif="TRA", publiable_en_ligne="oui")
        ev.add("1001", "punition", days.back(5), 16, type="RET", detail="Travail non fait à plusieurs reprises",
               publiable_en_ligne="oui")
        ev.add("1001", "sanction", days.back(4), 11, type="AVERTISSEMENT", famille_avisee="oui",
               detail="Comportement irrespectueux envers un camarade")
        ev.add("1001", "sanction", days.back(2), 11, type="EXCLUSION_CLASSE", duree=1, sursis="total",
               famille_avisee="non", detail="Insolence (famille pas encore avisée)")
        ev.add("1001", "dispense", days.back(8), 8, fin=_at(days.back(1), 18), detail="EPS : entorse de la cheville")
        # Entered today: families see it tomorrow (J+1).
        ev.rows.append({"ref": f"{ev.uai}-aujourdhui", "eleve": "1001", "nature": "retard", "debut": _at(today, 8, 5),
                        "minutes": 5, "publiable_en_ligne": "oui",
                        "saisie_le": (now - timedelta(minutes=5)).strftime("%d/%m/%Y %H:%M")})
        ev.absence("1002", days.back(2), start=14, end=(17, 0))
        ev.add("1002", "retard", days.back(7), 8, minutes=10, publiable_en_ligne="oui", justifiee="oui", motif="TRA")
    elif ev.uai == "0599002B":
        ev.add("2001", "mesure", days.back(5), 10, famille_avisee="oui",
               detail="Engagement écrit de l'élève et suivi hebdomadaire par le CPE")
        ev.absence("2001", days.back(6), motif="RDV", justifiee="oui")
    elif ev.uai == "0599003C":
        ev.add("3001", "stage", days.back(10), 8, fin=_at(days.back(6), 17), detail="Stage d'observation")
        ev.absence("3001", days.back(3), motif="FAM", justifiee="oui", end=(17, 0))
        # Two full days this month, unjustified: 4 half-days, the legal threshold.
        in_month = [d for d in (days.back(1), days.back(2)) if d.month == today.month] or [days.back(1)]
        for day in in_month:
            ev.absence("3002", day, end=(17, 0))


def random_events(ev: Events, rng: random.Random, eleves: list[dict], days: Days, skip: set) -> None:
    for e in eleves:
        if e["siecle_eleve_id"] in skip or rng.random() < 0.6:
            continue
        who = e["siecle_eleve_id"]
        for _ in range(rng.choice([1, 1, 2, 3])):
            day = days.back(rng.randrange(1, 50))
            justified = rng.random() < 0.6
            morning = rng.random() < 0.5
            ev.absence(who, day, start=8 if morning else 14, end=(11, 55) if morning else (17, 0),
                       motif=rng.choice(["MAL", "RDV", "FAM"]) if justified else None,
                       justifiee="oui" if justified else "non", publiable_en_ligne="oui" if rng.random() < 0.9 else "non")
        if rng.random() < 0.3:
            ev.add(who, "retard", days.back(rng.randrange(1, 50)), 8, minutes=rng.choice([5, 10, 15, 20]),
                   publiable_en_ligne="oui", justifiee=rng.choice(["oui", "non"]))
        if rng.random() < 0.15:
            code = rng.choice([c for c, _label in PUNITIONS])
            ev.add(who, "punition", days.back(rng.randrange(1, 50)), 15, type=code,
                   detail=rng.choice(DETAILS[code]), publiable_en_ligne="oui")


STORY_IDS = {"1001", "1002", "2001", "3001", "3002"}


def rows_for(uai: str, eleves: list[dict], today: date, now: datetime) -> list[dict]:
    """The establishment's events, as the CSV import has them."""
    rng = random.Random(f"demo-vie-scolaire-{uai}")
    ev, days = Events(uai, now), Days(today)
    known = {e["siecle_eleve_id"] for e in eleves}
    story_events(ev, days, today, now)
    ev.rows = [r for r in ev.rows if r["eleve"] in known]
    random_events(ev, rng, eleves, days, STORY_IDS)
    return ev.rows


def fill(rpc: RpcClient, uais: list[str], clock: Clock | None = None) -> dict:
    """Import each establishment's tables, periods and a term of events, and
    open the vie scolaire service there. Returns {uai: import report}."""
    clock = clock or Clock(clock_file())
    today, now = clock.today(), clock.now()
    reports = {}
    for uai in uais:
        etab = rpc.call("accounts", "get_etablissement", uai=uai)
        eleves = rpc.call("accounts", "list_eleves", uai=uai)
        classes = sorted({e["classe"] for e in eleves if e["classe"]})
        rpc.call("vie_scolaire", "set_settings", uai=uai, heure_demi_journee="12:00")
        rpc.call("vie_scolaire", "import_motifs", uai=uai,
                 rows=[{"code": c, "libelle": label, "parents": "oui" if parents else "non"}
                       for c, label, parents in MOTIFS])
        rpc.call("vie_scolaire", "import_punitions", uai=uai, rows=[{"code": c, "libelle": label} for c, label in PUNITIONS])
        rpc.call("vie_scolaire", "import_periodes", uai=uai, rows=periods_for(etab["type"], classes, school_year(today)))
        rows = rows_for(uai, eleves, today, now)
        reports[uai] = rpc.call("vie_scolaire", "import_evenements", uai=uai, rows=rows, timeout=300) if rows else {}
        rpc.call("vie_scolaire", "set_opening", uai=uai, is_open=True, account_id=None)
    return reports
