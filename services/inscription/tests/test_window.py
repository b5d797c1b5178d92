"""The campaign window, set by the académie's operator to the minute and
never closable by the head: its edges with the clock moved, the time left,
drafts resumed, and the deadline passing mid-form."""
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from common.clock import PARIS
from common.errors import Forbidden, ValidationError
from services.inscription.exceptions import InscriptionClosed
from services.inscription.models import Dossier
from services.inscription.tests.conftest import CLAIRE, CLOSES, COLLEGE, NB, OPENS, VOEUX, child

SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("instant, is_open", [
    (OPENS - SECOND, False),
    (OPENS, True),
    (CLOSES + timedelta(seconds=59), True),   # "23:59" holds until the end of that minute
    (CLOSES + timedelta(minutes=1), False),
])
def test_the_window_opens_and_closes_at_its_instants(loaded, clock, inscription_db, instant, is_open):
    # Time stopped at the instant (time-machine): the edge is exact to the microsecond.
    clock.set_offset(0)
    with time_machine.travel(instant, tick=False):
        _check_window(loaded, inscription_db, is_open)


def _check_window(loaded, inscription_db, is_open):
    assert loaded.page(child())["campagne"]["ouverte"] is is_open
    assert loaded.get_openings([COLLEGE])[COLLEGE]["open"] is is_open
    if is_open:
        loaded.decide(child(), "inscrire", CLAIRE)
        assert inscription_db.scalar(select(Dossier.etat)) == "inscrit"
    else:
        with pytest.raises(InscriptionClosed):
            loaded.decide(child(), "inscrire", CLAIRE)
        assert inscription_db.scalar(select(Dossier.etat)) is None


def test_before_opening_the_page_says_when_it_opens(loaded, clock):
    clock.move_to(OPENS - timedelta(hours=3))
    page = loaded.page(child())
    assert page["peut_decider"] is False and page["campagne"]["pas_encore"] is True
    assert page["ferme"] == f"L'inscription en ligne ouvrira le 25/06/2027 à 14{NB}h{NB}30{NB}: rien ne peut être " \
                           "envoyé avant."


def test_the_page_shows_the_time_left(loaded, clock):
    assert loaded.page(child())["campagne"]["temps_restant"] == "2 jours et 4 heures"
    clock.move_to(datetime(2027, 6, 28, 22, 15, tzinfo=PARIS))
    assert loaded.page(child())["campagne"]["temps_restant"] == "1 heure et 45 minutes"


def test_a_draft_is_resumed_in_a_later_session_until_the_deadline(loaded, clock):
    loaded.decide(child(), "inscrire", CLAIRE)
    loaded.save_voeux(child(), VOEUX)
    clock.move_to(CLOSES - timedelta(hours=1))
    page = loaded.page(child())
    assert page["etape"] == 3 and page["voeux"] == VOEUX and page["peut_continuer"] is True
    assert page["enregistre_le"] == f"26/06/2027 à 19{NB}h{NB}08"


def test_the_deadline_passing_mid_form_keeps_what_was_saved_and_says_so(loaded, clock, inscription_db):
    loaded.decide(child(), "inscrire", CLAIRE)
    loaded.save_voeux(child(), VOEUX)
    clock.move_to(CLOSES + timedelta(minutes=1, seconds=5))
    with pytest.raises(InscriptionClosed) as exc:
        loaded.save_donnees(child(), {}, {"tel_portable": "06 12 34 56 78"})
    assert str(exc.value).startswith(f"La campagne d'inscription en ligne s'est terminée le 28/06/2027 à 23{NB}h{NB}59")
    assert "Ce que vous aviez enregistré avant est conservé." in str(exc.value)
    with pytest.raises(InscriptionClosed):
        loaded.complete(child())
    dossier = inscription_db.scalar(select(Dossier))
    assert (dossier.etat, dossier.etape, dossier.voeux, dossier.donnees_responsable) == ("inscrit", 3, VOEUX, None)
    page = loaded.page(child())
    assert page["voeux"] == VOEUX and page["peut_continuer"] is False
    assert "Ce que vous aviez enregistré avant est conservé." in page["ferme"]


def test_the_head_cannot_close_it_and_the_operator_moves_the_deadline(loaded, clock):
    assert loaded.get_openings([COLLEGE])[COLLEGE]["staff_can_change"] is False
    with pytest.raises(Forbidden):
        loaded.set_opening(COLLEGE, False, account_id=7)
    clock.move_to(CLOSES + timedelta(hours=2))
    assert loaded.page(child())["campagne"]["ouverte"] is False
    loaded.save_campagne({"annee_scolaire": "2027", "ouverture": "25/06/2027 14:30",
                          "cloture": "30/06/2027 12:00"}, account_id=1)
    assert loaded.page(child())["campagne"]["ouverte"] is True


@pytest.mark.parametrize("form, field, message", [
    ({"cloture": "24/06/2027 10:00"}, "cloture", "La clôture doit suivre l'ouverture."),
    ({"ouverture": "31/06/2027 14:30"}, "ouverture",
     "Date et heure attendues au format jj/mm/aaaa hh:mm (heure de Paris)."),
    ({"cloture": "28/12/2027 23:59"}, "cloture", "Une campagne d'inscription dure au plus 60 jours."),
    ({"annee_scolaire": " "}, "annee_scolaire", "Ce champ est obligatoire."),
    ({"ouverture": ""}, "ouverture", "Ce champ est obligatoire."),
    ({"annee_scolaire": "deux mille"}, "annee_scolaire", "Nombre entier attendu."),
])
def test_a_bad_window_is_refused_beside_its_field(loaded, form, field, message):
    with pytest.raises(ValidationError) as exc:
        loaded.save_campagne({"annee_scolaire": "2027", "ouverture": "25/06/2027 14:30",
                              "cloture": "28/06/2027 23:59", **form}, account_id=1)
    assert exc.value.errors[field] == [message]
    assert loaded.list_campagnes()["campagnes"][0]["cloture_texte"] == f"28/06/2027 à 23{NB}h{NB}59"
