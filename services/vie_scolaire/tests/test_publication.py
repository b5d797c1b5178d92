"""Guide § 3.4: events are shown at J+1, absences, retards and punitions only
when "publiable en ligne", sanctions only when "famille avisée"; authorised
non-presences and academic reports never. Tested at the edges, in French
calendar days, with the clock moved."""
from datetime import datetime, timedelta, timezone

import pytest

from services.vie_scolaire.models import NATURES
from services.vie_scolaire.publication import publication_instant
from services.vie_scolaire.tests.conftest import UAI, absence, child, event, paris, setup_school

ONE_SECOND = timedelta(seconds=1)
ENTERED = paris(2026, 11, 9, 17, 30)
NEXT_MIDNIGHT = paris(2026, 11, 10)

# What the guide's table says, for every kind and both flags.
EXPECTED = {
    # kind: (shown with publiable_en_ligne only, shown with famille_avisee only)
    "absence": (True, False), "retard": (True, False), "punition": (True, False),
    "sanction": (False, True), "mesure": (False, True),
    "dispense": (False, False), "stage": (False, False), "sortie": (False, False), "signalement": (False, False),
}


@pytest.mark.parametrize("nature", NATURES)
@pytest.mark.parametrize("publiable, avisee", [(False, False), (True, False), (False, True), (True, True)])
def test_every_kind_and_flag_combination_follows_the_guides_table(nature, publiable, avisee):
    instant = publication_instant(nature, ENTERED, publiable, avisee, ENTERED, False)
    by_publiable, by_avisee = EXPECTED[nature]
    shown = (by_publiable and publiable) or (by_avisee and avisee)
    assert instant == (NEXT_MIDNIGHT if shown else None)


def test_shown_from_midnight_in_france_the_day_after_entry():
    late = paris(2026, 11, 9, 23, 50)
    assert publication_instant("absence", late, True, False, late, False) == NEXT_MIDNIGHT


def test_french_days_not_utc_days():
    # 00:30 in Paris on 10 November is still 9 November in UTC: shown on the 11th.
    entered = paris(2026, 11, 10, 0, 30).astimezone(timezone.utc)
    assert publication_instant("retard", entered, True, False, entered, False) == paris(2026, 11, 11)


def test_a_flag_ticked_later_publishes_from_that_instant():
    ticked = paris(2026, 11, 20, 15, 0)
    assert publication_instant("sanction", ENTERED, False, True, ticked, False) == ticked
    # Ticked on the day of entry: still the next midnight.
    assert publication_instant("sanction", ENTERED, False, True, ENTERED + timedelta(hours=1), False) == NEXT_MIDNIGHT


def test_an_erreur_de_saisie_is_never_shown():
    assert publication_instant("absence", ENTERED, True, False, ENTERED, True) is None


# -- through the service, on both backends, with the clock moved ------------
def _visible(vs, eleve_id=1):
    page = vs.page(child(eleve_id))
    return sorted((line["nature"], line.get("detail") or "") for p in page["periodes"]
                  for lines in p["evenements"].values() for line in lines)


def test_each_kind_on_both_sides_of_midnight(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [
        absence("A1", detail="absence publiable"),
        absence("A2", publiable_en_ligne="non", detail="absence non publiable"),
        event("R1", "retard", minutes="12", publiable_en_ligne="oui", detail="retard publiable"),
        event("P1", "punition", type="RET", publiable_en_ligne="oui", detail="punition publiable"),
        event("P2", "punition", type="DEV", detail="punition non publiable"),
        event("S1", "sanction", type="AVERTISSEMENT", famille_avisee="oui", detail="sanction avisée"),
        event("S2", "sanction", type="BLAME", famille_avisee="non", detail="sanction non avisée"),
        event("M1", "mesure", famille_avisee="oui", detail="tutorat"),
        event("D1", "dispense", fin="30/11/2026 18:00", detail="dispense EPS"),
        event("T1", "stage", fin="13/11/2026 17:00", detail="stage"),
        event("V1", "sortie", fin="09/11/2026 17:00", detail="sortie"),
        event("G1", "signalement", detail="signalement"),
    ])
    clock.move_to(NEXT_MIDNIGHT - ONE_SECOND)
    assert _visible(vs) == []
    clock.move_to(NEXT_MIDNIGHT)
    assert _visible(vs) == sorted([("absence", "absence publiable"), ("retard", "retard publiable"),
                                   ("punition", "punition publiable"), ("sanction", "sanction avisée"),
                                   ("mesure", "tutorat")])


def test_a_flag_removed_after_publication_hides_the_event_and_withdraws_its_news(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1"), event("S1", "sanction", type="BLAME", famille_avisee="oui")])
    clock.move_to(paris(2026, 11, 12, 9, 0))
    assert [n for n, _ in _visible(vs)] == ["absence", "sanction"]

    vs.news_events.reset_mock()
    vs.import_evenements(UAI, [absence("A1", publiable_en_ligne="non"),
                               event("S1", "sanction", type="BLAME", famille_avisee="non")])
    assert _visible(vs) == []
    (_name, payload), _ = vs.news_events.call_args
    assert sorted((i["key"], i["visible_from"]) for i in payload["items"]) == [
        ("evenement:1:periode:1", None), ("evenement:1:periode:2", None), ("evenement:1:periode:3", None),
        ("evenement:2", None)]

    # Ticked again: visible at once (its day after entry has long passed).
    before = clock.now()
    vs.import_evenements(UAI, [absence("A1")])
    assert [n for n, _ in _visible(vs)] == ["absence"]
    (_name, payload), _ = vs.news_events.call_args
    first_trimester = next(i for i in payload["items"] if i["key"] == "evenement:1:periode:1")
    assert before <= datetime.fromisoformat(first_trimester["visible_from"]) <= clock.now()


def test_news_items_are_visible_from_the_publication_instant(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1", fin="10/11/2026 17:00"), event("D1", "dispense", fin="10/11/2026 12:00"),
                               event("R1", "retard", minutes="5", publiable_en_ligne="oui")])
    (_name, payload), _ = vs.news_events.call_args
    items = {i["key"]: i for i in payload["items"]}
    assert {k: (i["kind"], i["visible_from"], i["weight"]) for k, i in items.items()} == {
        # Monday 08:00 to Tuesday 17:00: four half-days, all in the first trimester.
        "evenement:1:periode:1": ("absence_trimestre", NEXT_MIDNIGHT.isoformat(), 4),
        "evenement:1:periode:2": ("absence_trimestre", None, 0),
        "evenement:1:periode:3": ("absence_trimestre", None, 0),
        "evenement:2": ("evenement", None, 1),
        "evenement:3": ("evenement", NEXT_MIDNIGHT.isoformat(), 1),
    }
    # Counted until the second trimester starts.
    assert items["evenement:1:periode:1"]["visible_until"] == paris(2026, 12, 1).isoformat()
    assert payload["kinds"]["absence_trimestre"]["many"] == "{n} demi-journées d'absence ce trimestre"


def test_an_erreur_de_saisie_disappears_from_the_page(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    clock.move_to(paris(2026, 11, 10, 8, 0))
    assert len(_visible(vs)) == 1
    vs.import_evenements(UAI, [{"ref": "A1", "annulation": "erreur de saisie"}])
    assert _visible(vs) == []
