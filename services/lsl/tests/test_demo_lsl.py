"""The demo's livrets (tools/demo_lsl.py) hold the stories the docs promise:
première and terminale, one repeating terminale who never sees last year's
opinion, one turning 18 during terminale; replaying them changes nothing."""
from datetime import date, datetime

from common.clock import PARIS
from services.lsl.tests.conftest import LYCEE, child
from tools import demo_lsl
from tools.lsl_writer import lsl_xml

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
ETAB = {"nom": "LYCÉE MARGUERITE DE FLANDRE", "commune": "GONDECOURT"}


def test_demo_livrets_repeating_terminale_and_a_student_turning_18(lsl, clock):
    clock.move_to(NOW)
    eleves = [{"eleve_id": 40 + i, "siecle_eleve_id": sid, "nom": "DEMO", "prenom": f"Élève{i}", "classe": classe}
              for i, (sid, classe) in enumerate([("3002", "TERM 2"), ("3101", "TERM 2"), ("3102", "TERM 2"),
                                                 ("3103", "1RE 2"), ("3104", "2NDE 1")])]
    lsl.accounts.eleves[LYCEE] = eleves
    births = {"3101": date(2008, 2, 1), "3102": date(2009, 3, 15)}  # 18 already / in March 2027
    last_year, this_year, stories = demo_lsl.records(LYCEE, eleves, births, NOW.date(), ETAB)
    assert stories == {"redoublant": "3002", "majeur_en_terminale": "3102"}
    lsl.replicate(LYCEE, lsl_xml(last_year).decode())
    report = lsl.replicate(LYCEE, lsl_xml(this_year).decode())
    assert report["eleves"]["crees"] == 3  # première and the two other terminales; seconde has no livret
    lsl.set_opening(LYCEE, True, account_id=1)

    lucas = child(40, role="eleve", majeur=True)
    assert lsl.home(lucas)["tuiles"]["avis_examen"] is False
    assert [y["annee"] for y in lsl.enseignements(lucas)["annees"]] == ["2024-2025", "2025-2026", "2026-2027"]
    assert [r["classe"] for r in lsl.scolarite(lucas)["scolarite"]][-2:] == ["TERMINALE GENERALE"] * 2
    assert lsl.home(child(42))["tuiles"]["avis_examen"] is True
    assert [y["annee"] for y in lsl.enseignements(child(43))["annees"]] == ["2026-2027"]
    assert lsl.menus([child(44)])[0]["menu"] is None

    again = lsl.replicate(LYCEE, lsl_xml(this_year).decode())
    assert again["eleves"] == {"crees": 0, "modifies": 0, "inchanges": 4}
