"""Bad input: refused with a clear message naming the line, and nothing of the
import half-applied."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from common.clock import PARIS
from common.errors import ValidationError
from services.notes import importing
from services.notes.models import Evaluation, Note
from services.notes.tests.conftest import ELEVES, MATIERES, UAI, row

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=PARIS)


def _counts(session):
    return (session.scalar(select(func.count()).select_from(Evaluation)),
            session.scalar(select(func.count()).select_from(Note)))


def _refused(session, rows) -> list[str]:
    importing.import_matieres(session, UAI, MATIERES)
    session.commit()
    with pytest.raises(ValidationError) as exc:
        importing.import_grades(session, UAI, rows, ELEVES, NOW)
    session.rollback()
    assert _counts(session) == (0, 0), "nothing of a refused import is written"
    return exc.value.errors["lignes"]


# Line numbers as the CLI gives them: the header is line 1.
def _lines(rows):
    return [{**r, "ligne": i + 2} for i, r in enumerate(rows)]


@pytest.mark.parametrize("bad, message", [
    ({"note": "23"}, "Ligne 3, colonne « note » : la note 23 est supérieure au barème (/20)."),
    ({"note": "12", "bareme": "10"}, "Ligne 3, colonne « note » : la note 12 est supérieure au barème (/10)."),
    ({"coefficient": "-1"}, "Ligne 3, colonne « coefficient » : le coefficient ne peut pas être négatif."),
    ({"eleve": "9999"}, "Ligne 3, colonne « eleve » : élève inconnu dans cet établissement (identifiant 9999)."),
    ({"matiere": "LATIN", "evaluation": "E9"}, "Ligne 3, colonne « matiere » : matière inconnue (LATIN) : déclarez d'abord "
                           "les matières de l'établissement."),
    ({"note": "douze"}, "Ligne 3, colonne « note » : note attendue : un nombre, ou ABS (absent), "
                        "DISP (dispensé), NN (non noté)."),
    ({"date": "31/02/2026"}, "Ligne 3, colonne « date » : date attendue au format jj/mm/aaaa."),
    ({"note": "-2"}, "Ligne 3, colonne « note » : la note ne peut pas être négative."),
    ({"eleve": ""}, "Ligne 3, colonne « eleve » : Ce champ est obligatoire."),
    ({"colonne_en_trop": "x"}, "Ligne 3, colonne « colonne_en_trop » : colonne inconnue."),
    ({"saisie_le": "01/01/2027 10:00"}, "Ligne 3, colonne « saisie_le » : la date de saisie est dans le futur."),
])
def test_a_bad_line_refuses_the_whole_import_naming_the_line(notes_db, bad, message):
    rows = _lines([row("E1", "1001", "12"), {**row("E1", "1002", "14"), **bad}, row("E2", "1001", "9")])
    assert _refused(notes_db, rows) == [message]


def test_every_faulty_line_is_listed_at_once(notes_db):
    rows = _lines([row("E1", "1001", "21"), row("E1", "1002", "14"), row("E1", "1003", "8", coefficient="-2")])
    assert _refused(notes_db, rows) == [
        "Ligne 2, colonne « note » : la note 21 est supérieure au barème (/20).",
        "Ligne 4, colonne « coefficient » : le coefficient ne peut pas être négatif.",
    ]


def test_an_evaluation_described_two_ways_and_a_duplicate_grade_are_refused(notes_db):
    rows = _lines([row("E1", "1001", "12"), row("E1", "1002", "14", titre="Autre titre"),
                   row("E1", "1001", "13")])
    assert _refused(notes_db, rows) == [
        "Ligne 3, colonne « evaluation » : l'évaluation E1 est décrite autrement qu'à la ligne 2 (titre).",
        "Ligne 4, colonne « eleve » : l'élève 1001 a déjà une note pour l'évaluation E1 (ligne 2).",
    ]


def test_a_good_file_in_french_formats_is_imported_and_importing_it_again_changes_nothing(notes_db):
    importing.import_matieres(notes_db, UAI, MATIERES)
    rows = _lines([
        row("E1", "1001", "12,5", coefficient="0,5", enseignants="M. DUPONT, Mme LEROY", date="05/11/2026"),
        row("E1", "1002", "abs", coefficient="0,5", enseignants="M. DUPONT, Mme LEROY", date="05/11/2026"),
        row("E2", "1001", "7", bareme="10", date="2026-11-06", date_publication="20/11/2026"),
    ])
    report = importing.import_grades(notes_db, UAI, rows, ELEVES, NOW)
    notes_db.commit()
    assert report == {"evaluations": {"creees": 2, "modifiees": 0},
                      "notes": {"creees": 3, "modifiees": 0, "inchangees": 0}}
    evaluation = notes_db.scalar(select(Evaluation).where(Evaluation.ref == "E1"))
    assert (float(evaluation.coefficient), evaluation.enseignants) == (0.5, ["M. DUPONT", "Mme LEROY"])
    grades = {n.eleve_id: (float(n.valeur) if n.valeur is not None else None, n.code) for n in evaluation.notes}
    assert grades == {ELEVES["1001"]: (12.5, None), ELEVES["1002"]: (None, "ABS")}
    again = importing.import_grades(notes_db, UAI, rows, ELEVES, NOW)
    assert again == {"evaluations": {"creees": 0, "modifiees": 0},
                     "notes": {"creees": 0, "modifiees": 0, "inchangees": 3}}


def test_an_empty_import_is_refused(notes_db):
    with pytest.raises(ValidationError) as exc:
        importing.import_grades(notes_db, UAI, [], ELEVES, NOW)
    assert exc.value.errors == {"lignes": ["Le fichier ne contient aucune ligne à importer."]}


def test_subjects_import_refuses_a_duplicate_code_naming_the_line(notes_db):
    with pytest.raises(ValidationError) as exc:
        importing.import_matieres(notes_db, UAI, [{"code": "MATHS", "libelle": "Maths", "ligne": 2},
                                                  {"code": "maths", "libelle": "Maths bis", "ligne": 3}])
    assert exc.value.errors == {"lignes": ["Ligne 3, colonne « code » : la matière MATHS figure déjà à la ligne 2."]}
