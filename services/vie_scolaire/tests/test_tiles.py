"""The home page's vie scolaire tiles as a family reads them (guide § 3.1,
issue 15 § 4): "N demi-journées d'absence ce trimestre" is the running total of
the current period's published half-days, whatever the previous connection,
and starts again with the next period; the other kinds say what is new since
the previous connection. The service's news go to accounts' own counting
(services/accounts/news.py), on the same backend, as the broker would carry them."""
import pytest

from services.accounts import news as accounts_news
from services.vie_scolaire.tests.conftest import UAI, absence, event, paris, setup_school
from tests.fixtures import migrated_session

SEMESTRES = [{"classe": "5A", "numero": "1", "libelle": "1er semestre", "debut": "01/09/2026", "fin": "24/01/2027"},
             {"classe": "5A", "numero": "2", "libelle": "2e semestre", "debut": "25/01/2027", "fin": "04/07/2027"}]


@pytest.fixture
def home(vs, databases, backend, clock):
    """Tiles of Léa (eleve 1) as the home page reads them from accounts."""
    with migrated_session(databases, backend, "accounts") as accounts_db:
        def forward(_name, payload):
            accounts_news.store(accounts_db, {**payload, "service": "vie_scolaire"})
            accounts_db.commit()

        vs.news_events.side_effect = forward

        def tiles(since=None):
            return [t["text"] for t in accounts_news.tiles(accounts_db, [1], since, clock.now()).get(1, [])]

        yield tiles


def test_the_tile_counts_the_trimesters_published_half_days_whatever_the_last_connection(vs, clock, home):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [
        absence("A1", debut="09/11/2026 08:00", fin="10/11/2026 17:00"),  # 4 half-days
        absence("A2", debut="09/11/2026 14:00", fin="09/11/2026 16:00", publiable_en_ligne="non"),
        event("D1", "dispense", fin="10/11/2026 12:00"),
    ])
    assert home() == []  # J+1: nothing yet
    clock.move_to(paris(2026, 11, 10, 0, 0))
    assert home() == ["4 demi-journées d'absence ce trimestre"]
    # A connection after the absences were published does not reset a total.
    assert home(since=paris(2026, 11, 10, 8, 0)) == ["4 demi-journées d'absence ce trimestre"]
    clock.move_to(paris(2026, 11, 16, 9, 0))
    vs.import_evenements(UAI, [absence("A3", debut="16/11/2026 08:00", fin="16/11/2026 10:00"),
                               event("R1", "retard", minutes="5", publiable_en_ligne="oui", debut="16/11/2026 08:05")])
    clock.move_to(paris(2026, 11, 17, 7, 0))
    assert home(since=paris(2026, 11, 16, 12, 0)) == ["5 demi-journées d'absence ce trimestre",
                                                     "1 nouvel évènement de vie scolaire"]


def test_the_total_starts_again_with_the_next_period_and_splits_an_absence_across_it(vs, clock, home):
    clock.move_to(paris(2026, 11, 27, 9, 0))
    setup_school(vs)
    # Friday 27/11 to Tuesday 01/12: Friday and Monday in the 1st trimester (4
    # half-days), Tuesday in the 2nd (2), the weekend not at all.
    vs.import_evenements(UAI, [absence("A1", debut="27/11/2026 08:00", fin="01/12/2026 17:00")])
    clock.move_to(paris(2026, 11, 30, 23, 59))
    assert home() == ["4 demi-journées d'absence ce trimestre"]
    clock.move_to(paris(2026, 12, 1, 0, 0))
    assert home() == ["2 demi-journées d'absence ce trimestre"]


def test_a_withdrawn_absence_leaves_the_total(vs, clock, home):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1"), absence("A2", debut="12/11/2026 08:00", fin="12/11/2026 09:00")])
    clock.move_to(paris(2026, 11, 13, 9, 0))
    assert home() == ["2 demi-journées d'absence ce trimestre"]
    vs.import_evenements(UAI, [{"ref": "A1", "annulation": "erreur de saisie"}])
    assert home() == ["1 demi-journée d'absence ce trimestre"]
    vs.import_evenements(UAI, [absence("A2", debut="12/11/2026 08:00", fin="12/11/2026 09:00",
                                       publiable_en_ligne="non")])
    assert home() == []


def test_the_tile_says_semestre_for_a_class_with_semesters_and_follows_a_new_calendar(vs, clock, home):
    clock.move_to(paris(2026, 11, 9, 17, 30))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    clock.move_to(paris(2026, 11, 10, 9, 0))
    assert home() == ["1 demi-journée d'absence ce trimestre"]
    vs.import_periodes(UAI, SEMESTRES)
    assert home() == ["1 demi-journée d'absence ce semestre"]
    # A later boundary: 08:00–11:55 touches one half-day still; 08:00–13:00 would touch two.
    vs.import_evenements(UAI, [absence("A1", fin="09/11/2026 13:00")])
    assert home() == ["2 demi-journées d'absence ce semestre"]
    vs.set_settings(UAI, "13:30")
    assert home() == ["1 demi-journée d'absence ce semestre"]
