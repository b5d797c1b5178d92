"""Issue 16 § 1, the daily replication: replaying a file changes nothing; a
newer one replaces what it covers; a bad or hostile file is refused whole,
every problem listed in French, and the previous data stays."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from common.clock import PARIS
from common.errors import Forbidden, ValidationError
from services.lsl import replication
from services.lsl.models import Replication
from services.lsl.tests.conftest import COLLEGE, LYCEE, all_years, annee, child, eleve, evaluation, xml

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=PARIS)


@pytest.fixture
def opened(lsl, clock):
    clock.move_to(NOW)
    lsl.set_opening(LYCEE, True, account_id=1)
    return lsl


def everything(lsl, eleve_id=11) -> dict:
    c = child(eleve_id)
    return {"home": lsl.home(c), "enseignements": all_years(lsl, c), "engagements": lsl.engagements(c),
            "scolarite": lsl.scolarite(c)}


def test_replaying_the_same_file_changes_nothing(opened):
    data = xml(eleve("3001", engagements=["C"], historique=[("6EME", 2020, "COLLÈGE JEAN MOULIN", "WATTIGNIES")]),
               eleve("3002"))
    first = opened.replicate(LYCEE, data.decode())
    assert first["eleves"] == {"crees": 2, "modifies": 0, "inchanges": 0}
    before = everything(opened)
    again = opened.replicate(LYCEE, data.decode())
    assert again["eleves"] == {"crees": 0, "modifies": 0, "inchanges": 2}
    assert everything(opened) == before


def test_a_newer_replication_replaces_the_years_it_covers_for_the_students_it_names(opened):
    opened.replicate(LYCEE, xml(eleve("3001"), eleve("3002")).decode())
    newer = eleve("3001", annees=[annee(2026, "TERM 2", [evaluation(appreciation="Excellent trimestre, bravo.")])])
    report = opened.replicate(LYCEE, xml(newer).decode())
    assert report["eleves"] == {"crees": 0, "modifies": 1, "inchanges": 0}
    years = all_years(opened, child(11))
    appreciations = {y["annee"]: y["regroupements"][0]["matieres"][0]["appreciation"] for y in years}
    # Première is not in the newer file: it stays as it was.
    assert appreciations == {"2025-2026": "Travail régulier, des progrès réels.",
                             "2026-2027": "Excellent trimestre, bravo."}
    # The other student, not named, is untouched.
    assert len(opened.enseignements(child(12))["annees"]) == 2


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lsl [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<lsl xmlns="urn:ac-grenoble.fr:lsl:import" schemaVersion="1.0"><entete>&b;</entete></lsl>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE lsl [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<lsl xmlns="urn:ac-grenoble.fr:lsl:import" schemaVersion="1.0"><entete>&x;</entete></lsl>"""
DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE lsl SYSTEM "http://example.org/lsl.dtd">
<lsl xmlns="urn:ac-grenoble.fr:lsl:import" schemaVersion="1.0"/>"""
HOSTILE_MESSAGE = ("Le fichier contient une déclaration de type de document (DTD) ou des entités : "
                   "refusé par sécurité.")


def _bad_structure():
    e = eleve("3001")
    e["annees"][1]["evaluations"][0]["structure"] = (28, "11.40", "14.29", "42.86", "40.00")
    return xml(e).decode()


def _no_year():
    return xml(eleve("3001")).decode().replace('annee-scolaire="2026" ', "")


@pytest.mark.parametrize("content, message", [
    (lambda: BILLION_LAUGHS, HOSTILE_MESSAGE),
    (lambda: EXTERNAL, HOSTILE_MESSAGE),
    (lambda: DTD_ONLY, HOSTILE_MESSAGE),
    (lambda: "<lsl><pas-fermé></lsl>", "Le fichier n'est pas un XML bien formé (ligne 1)."),
    (lambda: "x" * (replication.MAX_BYTES + 1), "Le fichier est trop volumineux (20 Mo, 20 Mo au maximum)."),
    (lambda: xml(eleve("9999")).decode(), "Élève 9999 : inconnu dans cet établissement (identifiant SIECLE)."),
    (_bad_structure, "Élève 3001, année 2026-2027, matière 061300 : la répartition du groupe ne fait pas 100 % "
                     "(14.29 + 42.86 + 40.00 = 97.15)."),
    (_no_year, "Élève 3001 : matière 061300 sans année scolaire (attribut « annee-scolaire » manquant)."),
    (lambda: xml(eleve("3001", engagements=["Z"])).decode(),
     "Élève 3001 : code d'engagement inconnu « Z » (attendus : C, V, A, E, S)."),
    (lambda: xml(eleve("3001", avis_examen="A")).decode(),
     "Élève 3001 : code d'avis d'examen inconnu « A » (attendus : T, F, D)."),
    (lambda: xml(eleve("3001", annees=[annee(2026, "TERM 2", [evaluation(competences=[("0022", "5")])])])).decode(),
     "Élève 3001, année 2026-2027, matière 061300 : niveau de compétence inconnu « 5 » pour 0022 "
     "(1 à 4, 0, NE ou A1 à C2)."),
    (lambda: xml(eleve("3001", annees=[annee(2026, "TERM 2", [evaluation(code="999999")])])).decode(),
     "Élève 3001, année 2026-2027, matière 999999 : matière inconnue de la nomenclature."),
    (lambda: xml(eleve("3001"), uai="0599004D").decode(),
     "En-tête : le fichier est celui de l'établissement 0599004D, pas de 0599003C."),
])
def test_a_bad_or_hostile_file_is_refused_whole_and_the_previous_data_stays(opened, lsl_db, content, message):
    opened.replicate(LYCEE, xml(eleve("3001", engagements=["C"]), eleve("3002")).decode())
    before = everything(opened)
    # A good student next to the faulty part: nothing of the file is applied.
    with pytest.raises(ValidationError) as exc:
        opened.replicate(LYCEE, content())
    assert exc.value.errors == {"fichier": [message]}
    assert everything(opened) == before
    log = lsl_db.scalars(select(Replication).order_by(Replication.id)).all()
    assert [r.acceptee for r in log] == [True, False]
    assert log[-1].rapport == {"fichier": [message]}


def test_every_problem_is_listed_at_once(opened):
    bad = eleve("3001", engagements=["C", "C"], avis_examen="Q")
    with pytest.raises(ValidationError) as exc:
        opened.replicate(LYCEE, xml(bad, eleve("8888")).decode())
    assert exc.value.errors["fichier"] == [
        "Élève 3001 : l'engagement « C » figure deux fois.",
        "Élève 3001 : code d'avis d'examen inconnu « Q » (attendus : T, F, D).",
    ]


def test_a_college_has_no_livret(opened, lsl_db):
    with pytest.raises(Forbidden):
        opened.replicate(COLLEGE, xml(eleve("1001"), uai=COLLEGE).decode())
    with pytest.raises(Forbidden):
        opened.set_opening(COLLEGE, True, account_id=1)
    assert lsl_db.scalar(select(func.count()).select_from(Replication)) == 0
