"""The student's average per subject and overall: grades brought to 20,
weighted by coefficients; codes (absent, dispensé, non noté) do not count."""
from datetime import datetime

from common.clock import PARIS
from services.notes.averages import overall_average, subject_average
from services.notes.tests.conftest import UAI, child, row, seed


def test_subject_average_uses_coefficients_and_scales_and_ignores_codes():
    from decimal import Decimal as D

    result = subject_average([
        (D("15"), None, D("2"), D("20")),   # 15/20, coefficient 2
        (D("7"), None, D("1"), D("10")),    # 7/10 counts 14/20
        (None, "ABS", D("3"), D("20")),     # an absence does not count
        (D("4"), None, D("0"), D("5")),     # coefficient 0: not counted
    ])
    assert result == {"moyenne": 14.67, "notes_comptees": 2, "codes": {"ABS": 1}, "coefficient_zero": 1}


def test_only_codes_give_no_average():
    from decimal import Decimal as D

    assert subject_average([(None, "DISP", D("1"), D("20"))])["moyenne"] is None


def test_overall_average_is_the_mean_of_subject_averages():
    assert overall_average([14.67, 10.0, None]) == 12.34  # 12.335 rounded half up


def test_pages_show_averages_computed_the_same_way(notes, notes_db, clock):
    clock.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=PARIS))
    notes.set_opening(UAI, True, account_id=1)
    seed(notes_db, [
        row("M1", "1001", "15", coefficient="2"),
        row("M2", "1001", "7", bareme="10"),
        row("M3", "1001", "Abs", coefficient="3"),
        row("M4", "1001", "4", coefficient="0", bareme="5"),
        row("F1", "1001", "10", matiere="FRANC", bareme="20"),
        row("F2", "1001", "DISP", matiere="FRANC"),
        row("H1", "1001", "NN", matiere="HG"),
    ], datetime(2026, 11, 3, 18, 0, tzinfo=PARIS))
    page = notes.subjects(child())
    averages = {m["libelle"]: (m["moyenne"], m["nb_notes"], m["notes_comptees"]) for m in page["matieres"]}
    assert averages == {"Mathématiques": (14.67, 4, 2), "Français": (10.0, 2, 1),
                        "Histoire-géographie": (None, 1, 0)}
    assert page["moyenne_generale"] == 12.34
    assert page["matieres_avec_moyenne"] == 2
    # Subjects in alphabetical order, accents ignored.
    assert [m["libelle"] for m in page["matieres"]] == ["Français", "Histoire-géographie", "Mathématiques"]
    maths = next(m for m in page["matieres"] if m["libelle"] == "Mathématiques")
    detail = notes.subject_detail(child(), maths["id"])
    assert detail["moyenne"] == 14.67
    absent = next(n for n in detail["notes"] if n["titre"] == "Contrôle M3")
    assert (absent["valeur"], absent["code"], absent["code_libelle"]) == (None, "ABS", "Absent")
