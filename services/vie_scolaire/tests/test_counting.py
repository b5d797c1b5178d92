"""Absences count in half-days, split at the school's boundary time; totals
per period of the child's class; the period boundaries."""
from datetime import date, time

from services.vie_scolaire.counting import APRES_MIDI, MATIN, half_days
from services.vie_scolaire.tests.conftest import UAI, absence, child, event, paris, setup_school

NOON = time(12, 0)


def test_a_morning_absence_is_one_half_day():
    assert half_days(paris(2026, 11, 9, 8), paris(2026, 11, 9, 11, 55), NOON) == [(date(2026, 11, 9), MATIN)]


def test_crossing_the_boundary_counts_both_half_days():
    assert half_days(paris(2026, 11, 9, 11), paris(2026, 11, 9, 12, 1), NOON) == [
        (date(2026, 11, 9), MATIN), (date(2026, 11, 9), APRES_MIDI)]


def test_ending_exactly_at_the_boundary_or_starting_at_it_stays_in_one_half_day():
    assert half_days(paris(2026, 11, 9, 8), paris(2026, 11, 9, 12), NOON) == [(date(2026, 11, 9), MATIN)]
    assert half_days(paris(2026, 11, 9, 12), paris(2026, 11, 9, 17), NOON) == [(date(2026, 11, 9), APRES_MIDI)]


def test_the_schools_boundary_time_moves_the_split():
    # 11:55 as GEPI's default: an absence from 11:58 is an afternoon one.
    assert half_days(paris(2026, 11, 9, 11, 58), paris(2026, 11, 9, 17), time(11, 55)) == [
        (date(2026, 11, 9), APRES_MIDI)]


def test_across_days_and_a_weekend():
    # Friday afternoon to Monday morning: the weekend does not count.
    assert half_days(paris(2026, 11, 13, 14), paris(2026, 11, 16, 11), NOON) == [
        (date(2026, 11, 13), APRES_MIDI), (date(2026, 11, 16), MATIN)]
    assert len(half_days(paris(2026, 11, 9, 8), paris(2026, 11, 11, 17), NOON)) == 6


def _periods(vs, eleve_id=1, uai=UAI):
    return vs.page(child(eleve_id, uai))["periodes"]


def test_totals_per_period_with_half_days_split_at_the_period_boundary(vs, clock):
    clock.move_to(paris(2026, 12, 10, 9, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [
        # Friday 27 to Tuesday 1 December: 2 half-days in trimester 1 (Friday), 4 in trimester 2.
        absence("A1", debut="27/11/2026 08:00", fin="01/12/2026 17:00", saisie_le="26/11/2026 18:00"),
        absence("A2", debut="30/11/2026 08:00", fin="30/11/2026 11:00", justifiee="oui", motif="MAL",
                saisie_le="30/11/2026 18:00"),
        absence("A3", debut="01/12/2026 08:00", fin="01/12/2026 11:00", saisie_le="01/12/2026 18:00"),
        event("R1", "retard", debut="30/11/2026 08:10", minutes="10", publiable_en_ligne="oui"),
        event("R2", "retard", debut="01/12/2026 08:10", minutes="10", publiable_en_ligne="oui", justifiee="oui"),
        event("R3", "retard", debut="02/12/2026 08:10", minutes="10", publiable_en_ligne="non"),
    ])
    clock.move_to(paris(2026, 12, 11, 9, 0))
    first, second, _third = _periods(vs)
    assert (first["libelle"], first["courante"], second["courante"]) == ("1er trimestre", False, True)
    assert first["totaux"] == {"demi_journees": 2 + 2 + 1, "demi_journees_non_justifiees": 4,
                               "retards": 1, "retards_non_justifies": 1}
    # A3 is the same morning as A1: each absence counts its own half-days.
    assert second["totaux"] == {"demi_journees": 2 + 1, "demi_journees_non_justifiees": 3,
                                "retards": 1, "retards_non_justifies": 0}
    assert [line["demi_journees"] for line in first["evenements"]["absence"]] == [1, 6]
    assert [line["justification"]["etat"] for line in first["evenements"]["absence"]] == [
        "justifiee", "non_justifiee"]
    assert first["evenements"]["absence"][0]["motif"] == "Maladie"


def test_most_recent_first_by_kind(vs, clock):
    clock.move_to(paris(2026, 11, 20, 9, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1", debut="03/11/2026 08:00", fin="03/11/2026 10:00"),
                               absence("A2", debut="12/11/2026 14:00", fin="12/11/2026 16:00"),
                               absence("A3", debut="05/11/2026 08:00", fin="05/11/2026 10:00")])
    clock.move_to(paris(2026, 11, 21, 9, 0))
    lines = _periods(vs)[0]["evenements"]["absence"]
    assert [line["debut"][:10] for line in lines] == ["2026-11-12", "2026-11-05", "2026-11-03"]


def test_siblings_at_two_schools_see_their_own_schools_periods(vs, clock):
    clock.move_to(paris(2026, 11, 20, 9, 0))
    setup_school(vs)
    other = "0595678Y"
    vs.import_periodes(other, [
        {"numero": "1", "libelle": "1er semestre", "debut": "01/09/2026", "fin": "31/01/2027"},
        {"numero": "2", "libelle": "2e semestre", "debut": "01/02/2027", "fin": "04/07/2027"}])
    vs.set_opening(other, True, account_id=1)
    assert [p["libelle"] for p in _periods(vs, 1, UAI)] == ["1er trimestre", "2e trimestre", "3e trimestre"]
    assert [p["libelle"] for p in _periods(vs, 7, other)] == ["1er semestre", "2e semestre"]


def test_a_class_with_its_own_calendar_and_a_school_without_one(vs, clock):
    clock.move_to(paris(2026, 11, 20, 9, 0))
    setup_school(vs)
    vs.import_periodes(UAI, [
        {"classe": "2GT1", "numero": "1", "libelle": "1er semestre", "debut": "01/09/2026", "fin": "31/01/2027"},
        {"classe": "2GT1", "numero": "2", "libelle": "2e semestre", "debut": "01/02/2027", "fin": "04/07/2027"}])
    # The class is known once an import named the student.
    vs.import_evenements(UAI, [absence("A1", eleve="1003")])
    assert [p["libelle"] for p in _periods(vs, 3)] == ["1er semestre", "2e semestre"]
    assert len(_periods(vs, 1)) == 3
    vs.set_opening("0599999Z", True, account_id=1)
    assert [(p["libelle"], p["debut"], p["fin"]) for p in _periods(vs, 8, "0599999Z")] == [
        ("Année scolaire", "2026-09-01", "2027-08-31")]


def test_the_boundary_setting_changes_the_count(vs, clock):
    clock.move_to(paris(2026, 11, 20, 9, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1", debut="10/11/2026 11:58", fin="10/11/2026 16:00")])
    clock.move_to(paris(2026, 11, 21, 9, 0))
    assert _periods(vs)[0]["totaux"]["demi_journees"] == 2
    vs.set_settings(UAI, "11:55", account_id=1)
    assert _periods(vs)[0]["totaux"]["demi_journees"] == 1
    (_name, payload), _ = vs.news_events.call_args
    # The home tile's item for the first trimester weighs one half-day now.
    assert {i["key"]: i["weight"] for i in payload["items"] if i["visible_from"]} == {"evenement:1:periode:1": 1}


def test_one_period_listed_with_every_periods_totals(vs, clock):
    clock.move_to(paris(2026, 12, 10, 9, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [
        absence("A1", debut="27/11/2026 08:00", fin="01/12/2026 17:00", saisie_le="26/11/2026 18:00"),
        event("R1", "retard", debut="02/12/2026 08:10", minutes="10", publiable_en_ligne="oui",
              saisie_le="02/12/2026 18:00")])
    everything = vs.page(child())
    current = vs.page(child(), periode="courante")
    first = vs.page(child(), periode=1)
    assert (everything["periode_affichee"], current["periode_affichee"], first["periode_affichee"]) == (None, 2, 1)
    for page in (everything, current, first):
        assert [p["totaux"]["demi_journees"] for p in page["periodes"]] == [4, 2, 0]
        assert [p["totaux"]["retards"] for p in page["periodes"]] == [0, 1, 0]
    assert [len(p["evenements"]["absence"]) + len(p["evenements"]["retard"]) for p in current["periodes"]] == [0, 1, 0]
    assert [len(p["evenements"]["absence"]) + len(p["evenements"]["retard"]) for p in first["periodes"]] == [1, 0, 0]
    # A number that is no period of the class: the current one.
    assert vs.page(child(), periode=7)["periode_affichee"] == 2
