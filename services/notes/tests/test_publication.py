"""FAQ: "Au fil de l'eau : les notes sont publiées le lendemain de leur saisie.
À échéance : seules les notes pour lesquelles la date de publication est
arrivée à échéance sont affichées." Tested at the edges, in French calendar
days, with the clock moved."""
from datetime import date, datetime, timedelta, timezone

from common.clock import PARIS
from services.notes.models import ECHEANCE, FIL_DE_L_EAU
from services.notes.publication import is_published, publication_instant
from services.notes.tests.conftest import UAI, child, row, seed


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


ONE_SECOND = timedelta(seconds=1)


def test_fil_de_l_eau_publishes_at_midnight_in_france_after_the_day_of_entry():
    late_evening = paris(2026, 11, 10, 23, 30)
    assert publication_instant(FIL_DE_L_EAU, late_evening, None) == paris(2026, 11, 11)
    assert not is_published(FIL_DE_L_EAU, late_evening, None, paris(2026, 11, 11) - ONE_SECOND)
    assert is_published(FIL_DE_L_EAU, late_evening, None, paris(2026, 11, 11))


def test_fil_de_l_eau_counts_french_days_not_utc_days():
    # 00:30 in Paris on 10 November is still 9 November in UTC.
    just_after_midnight = paris(2026, 11, 10, 0, 30).astimezone(timezone.utc)
    assert just_after_midnight.date() == date(2026, 11, 9)
    assert not is_published(FIL_DE_L_EAU, just_after_midnight, None, paris(2026, 11, 10, 23, 59, 59))
    assert is_published(FIL_DE_L_EAU, just_after_midnight, None, paris(2026, 11, 11))


def test_fil_de_l_eau_across_the_change_to_summer_time():
    entered = paris(2027, 3, 27, 23, 0)
    assert publication_instant(FIL_DE_L_EAU, entered, None) == paris(2027, 3, 28)
    assert publication_instant(FIL_DE_L_EAU, entered, None).astimezone(timezone.utc) == \
        datetime(2027, 3, 27, 23, 0, tzinfo=timezone.utc)


def test_echeance_publishes_at_midnight_of_the_publication_date():
    entered = paris(2026, 11, 2, 10, 0)
    due = date(2026, 11, 20)
    assert not is_published(ECHEANCE, entered, due, paris(2026, 11, 20) - ONE_SECOND)
    assert is_published(ECHEANCE, entered, due, paris(2026, 11, 20))


def test_echeance_without_a_publication_date_is_never_published():
    assert publication_instant(ECHEANCE, paris(2026, 11, 2, 10, 0), None) is None
    assert not is_published(ECHEANCE, paris(2026, 11, 2, 10, 0), None, paris(2030, 1, 1))


def test_echeance_grade_entered_after_its_date_is_published_once_entered():
    entered = paris(2026, 11, 25, 18, 0)
    assert publication_instant(ECHEANCE, entered, date(2026, 11, 20)) == entered


# -- through the service, on both backends, with the clock moved ------------
def _open(notes):
    notes.set_opening(UAI, True, account_id=1)


def _visible_titles(notes, eleve_id=1):
    page = notes.subjects(child(eleve_id))
    titles = []
    for matiere in page["matieres"]:
        titles += [n["titre"] for n in notes.subject_detail(child(eleve_id), matiere["id"])["notes"]]
    return sorted(titles), page


def test_fil_de_l_eau_page_tiles_and_averages_on_both_sides_of_midnight(notes, notes_db, clock):
    clock.move_to(paris(2026, 11, 10, 23, 30))
    _open(notes)
    seed(notes_db, [row("E1", "1001", "12"), row("E1", "1002", "16")], clock.now())
    previous_login = clock.now() - timedelta(hours=1)

    clock.move_to(paris(2026, 11, 10, 23, 59, 59))
    titles, page = _visible_titles(notes)
    assert titles == [] and page["moyenne_generale"] is None
    assert notes.subjects(child(), previous_login.isoformat())["matieres"] == []

    clock.move_to(paris(2026, 11, 11, 0, 0))
    titles, page = _visible_titles(notes)
    assert titles == ["Contrôle E1"]
    assert page["moyenne_generale"] == 12.0
    assert [m["nouvelles_notes"] for m in notes.subjects(child(), previous_login.isoformat())["matieres"]] == [1]


def test_echeance_page_on_both_sides_of_the_publication_date(notes, notes_db, clock):
    clock.move_to(paris(2026, 11, 2, 18, 0))
    _open(notes)
    notes.set_publication_mode(UAI, ECHEANCE, account_id=1)
    seed(notes_db, [row("E1", "1001", "12", date_publication="20/11/2026"),
                    row("E2", "1001", "8", titre="Sans date")], clock.now())

    clock.move_to(paris(2026, 11, 19, 23, 59, 59))
    assert _visible_titles(notes)[0] == []
    clock.move_to(paris(2026, 11, 20, 0, 0))
    assert _visible_titles(notes)[0] == ["Contrôle E1"]

    # The same grades, au fil de l'eau: both were entered long ago.
    notes.set_publication_mode(UAI, FIL_DE_L_EAU, account_id=1)
    assert _visible_titles(notes)[0] == ["Contrôle E1", "Sans date"]


def test_unpublished_grade_counts_nowhere_not_even_in_class_figures(notes, notes_db, clock):
    clock.move_to(paris(2026, 11, 9, 17, 0))
    _open(notes)
    seed(notes_db, [row("E1", "1001", "10"), row("E1", "1002", "20"), row("E1", "1003", "ABS")], clock.now())
    clock.move_to(paris(2026, 11, 10, 17, 0))
    # Student 1003's grade is entered today: not published before tomorrow.
    seed(notes_db, [row("E1", "1003", "2")], clock.now())
    detail = notes.subject_detail(child(), notes.subjects(child())["matieres"][0]["id"])
    assert [(n["moyenne_classe"], n["min"], n["max"]) for n in detail["notes"]] == [(15.0, 10.0, 20.0)]
    assert _visible_titles(notes, eleve_id=3)[0] == []

    clock.move_to(paris(2026, 11, 11, 0, 0))
    detail = notes.subject_detail(child(), detail["matiere"]["id"])
    assert [(n["moyenne_classe"], n["min"], n["max"]) for n in detail["notes"]] == [(10.67, 2.0, 20.0)]
    assert notes.subject_detail(child(3), detail["matiere"]["id"])["notes"][0]["valeur"] == 2.0


def test_entry_time_written_in_the_file_is_french_time_on_both_backends(notes, notes_db, clock):
    clock.move_to(paris(2026, 11, 11, 8, 0))
    _open(notes)
    seed(notes_db, [row("E1", "1001", "12", saisie_le="10/11/2026 23:30")], clock.now())
    clock.move_to(paris(2026, 11, 10, 23, 59, 59))
    assert _visible_titles(notes)[0] == []
    clock.move_to(paris(2026, 11, 11, 0, 0))
    assert _visible_titles(notes)[0] == ["Contrôle E1"]
