"""Campaigns: set by the académie's operator, open for every family of the
académie's collèges (or lycées) between two French calendar days both
included, never closable by the head; the window's edges with the clock moved."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from common.clock import PARIS
from common.errors import Forbidden, ValidationError
from services.bourses.exceptions import BoursesClosed
from services.bourses.models import Campagne, Demande
from services.bourses.tests.conftest import (
    COLLEGE_UAI, ECOLE_UAI, IN_CAMPAIGN, LYCEE_UAI, bareme_file, child, form,
)

ENTRY = {"label": "Bourses", "path": "/bourses/", "order": 60}


def _at(day, month, year, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def _menu(service, context):
    return service.menus([context])[0]["menu"]


@pytest.mark.parametrize("instant, is_open", [
    (_at(1, 9, 2024, 23, 59, 59), False),
    (_at(2, 9, 2024), True),
    (_at(17, 10, 2024, 23, 59, 59), True),
    (_at(18, 10, 2024), False),
])
def test_the_window_opens_and_closes_on_french_calendar_days(loaded, clock, instant, is_open):
    clock.move_to(instant)
    assert (loaded.page(child())["campagne"] is not None) is is_open
    assert (_menu(loaded, child()) == ENTRY) is is_open
    assert loaded.get_openings([COLLEGE_UAI])[COLLEGE_UAI]["open"] is is_open


def test_after_the_deadline_filing_is_refused_and_the_page_says_when_it_closed(loaded, clock, bourses_db):
    clock.move_to(_at(17, 10, 2024, 12))
    loaded.save_draft(child(), {"enfants_a_charge": "3"}, {}, {})
    clock.move_to(_at(18, 10, 2024, 0, 0, 1))
    page = loaded.page(child())
    assert page["campagne"] is None and page["peut_deposer"] is False
    assert page["derniere_campagne"]["cloture_texte"] == "17/10/2024"
    with pytest.raises(BoursesClosed) as exc:
        loaded.submit(child(), form(), {}, {})
    assert str(exc.value) == ("La campagne de bourse de collège est close le 17/10/2024\u00a0: contactez le "
                              "secrétariat de l'établissement.")
    with pytest.raises(BoursesClosed):
        loaded.save_draft(child(), {"enfants_a_charge": "4"}, {}, {})
    assert bourses_db.scalar(select(Demande.enfants_a_charge)) == 3
    assert bourses_db.scalar(select(func.count()).select_from(Demande).where(Demande.statut != "brouillon")) == 0


def test_before_a_campaign_the_page_gives_its_opening_day(loaded, clock):
    clock.move_to(_at(20, 8, 2024, 10))
    page = loaded.page(child(uai=LYCEE_UAI))
    assert page["campagne"] is None and page["prochaine_campagne"]["ouverture_texte"] == "02/09/2024"


def test_a_campaign_opens_every_establishment_of_its_kind_only(loaded, clock):
    loaded.save_campagne({"annee_scolaire": "2024", "niveau": "lycee", "ouverture": "01/04/2025",
                          "cloture": "20/06/2025"}, account_id=1)
    clock.move_to(_at(2, 4, 2025, 10))
    openings = loaded.get_openings([COLLEGE_UAI, LYCEE_UAI, ECOLE_UAI])
    assert {uai: o["open"] for uai, o in openings.items()} == {COLLEGE_UAI: False, LYCEE_UAI: True, ECOLE_UAI: False}
    assert all(o["staff_can_change"] is False for o in openings.values())


def test_the_head_cannot_close_it(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    with pytest.raises(Forbidden):
        loaded.set_opening(COLLEGE_UAI, False, account_id=7)
    assert loaded.get_openings([COLLEGE_UAI])[COLLEGE_UAI]["open"] is True


def test_who_sees_the_menu_entry_during_a_campaign(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    assert _menu(loaded, child(uai=COLLEGE_UAI)) == ENTRY
    assert _menu(loaded, child(uai=LYCEE_UAI)) == ENTRY
    # An adult lycée student applies for themself; a minor student does not, nor the guardians of an adult.
    assert _menu(loaded, child(uai=LYCEE_UAI, role="eleve", majeur=True)) == ENTRY
    assert _menu(loaded, child(uai=LYCEE_UAI, role="eleve", majeur=False)) is None
    assert _menu(loaded, child(uai=LYCEE_UAI, role="responsable", majeur=True)) is None
    assert _menu(loaded, child(uai=ECOLE_UAI)) is None


def test_after_the_deadline_the_entry_stays_while_the_child_has_an_application_of_the_year(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    loaded.submit(child(1), form(), {}, {})
    clock.move_to(_at(1, 12, 2024, 10))
    assert _menu(loaded, child(1)) == ENTRY
    # The other guardian sees the entry too (menus are cached per child and role), and no application of theirs.
    assert _menu(loaded, child(1, viewer=999)) == ENTRY
    assert loaded.page(child(1, viewer=999))["demandes"] == []
    assert len(loaded.page(child(1))["demandes"]) == 1
    assert _menu(loaded, child(2)) is None
    # The next school year, before its campaign, the entry goes.
    clock.move_to(_at(1, 9, 2025, 10))
    assert _menu(loaded, child(1)) is None


def test_a_window_opening_by_the_clock_tells_the_gateways_menus(loaded, clock):
    clock.move_to(_at(1, 9, 2024, 23, 59))
    loaded.watch_windows()
    loaded.notices.reset_mock()
    loaded.watch_windows()
    assert not loaded.notices.called
    clock.move_to(_at(2, 9, 2024, 0, 1))
    loaded.watch_windows()
    loaded.notices.assert_called_once_with("menu_changed", {"service": "bourses"})


def test_a_campaign_needs_the_year_barème_and_may_not_overlap_another(bourses, bourses_db):
    with pytest.raises(ValidationError) as exc:
        bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "02/09/2024",
                               "cloture": "17/10/2024"}, account_id=1)
    assert exc.value.errors == {"annee_scolaire": ["Le barème 2024-2025 de la bourse de collège n'est pas chargé."]}
    bourses.load_bareme(2024, "college", bareme_file()[(2024, "college")])
    bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "02/09/2024",
                           "cloture": "17/10/2024"}, account_id=1)
    with pytest.raises(ValidationError) as exc:
        bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "17/10/2024",
                               "cloture": "31/10/2024"}, account_id=1)
    assert exc.value.errors == {"ouverture": [
        "Cette période chevauche la campagne de bourse de collège ouverte du 02/09/2024 au 17/10/2024."]}
    with pytest.raises(ValidationError) as exc:
        bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "31/10/2024",
                               "cloture": "18/10/2024"}, account_id=1)
    assert exc.value.errors == {"cloture": ["La clôture ne peut pas précéder l'ouverture."]}
    with pytest.raises(ValidationError) as exc:
        bourses.save_campagne({"annee_scolaire": "2024", "niveau": "college", "ouverture": "31/02/2024",
                               "cloture": "18/10/2024"}, account_id=1)
    assert exc.value.errors == {"ouverture": ["Date attendue au format jj/mm/aaaa."]}
    assert bourses_db.scalar(select(func.count()).select_from(Campagne)) == 1


def test_the_operator_extends_a_deadline(loaded, clock):
    campagne = next(c for c in loaded.list_campagnes()["campagnes"] if c["niveau"] == "college")
    clock.move_to(_at(10, 11, 2024, 10))
    assert loaded.page(child())["campagne"] is None
    loaded.save_campagne({"campagne_id": campagne["id"], "annee_scolaire": "2024", "niveau": "college",
                          "ouverture": "02/09/2024", "cloture": "15/11/2024"}, account_id=1)
    assert loaded.page(child())["campagne"]["cloture_texte"] == "15/11/2024"
    loaded.notices.assert_called_with("menu_changed", {"service": "bourses"})
