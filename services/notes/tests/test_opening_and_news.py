"""Two promises of the feature contract (common/contract.py) and of the
notes service that no other test guards: a service the académie opens for
every family cannot be opened or closed by an establishment, and changing the
publication mode sends the home page's news of the year's grades again."""
from datetime import datetime

import pytest
from nameko.testing.services import worker_factory

from common.clock import PARIS
from common.errors import Forbidden
from services.notes.models import ECHEANCE, FIL_DE_L_EAU
from services.notes.service import NotesService
from services.notes.tests.conftest import ELEVES, OTHER_UAI, UAI, row, seed


class NotesOpenedByTheAcademie(NotesService):
    """Notes as a service staff cannot open or close (like lycée enrollment, FAQ)."""

    staff_can_change_opening = False


class SentNews(list):
    """Stands in for the work-event dispatcher: the items handed to accounts."""

    def __call__(self, event_type, payload):
        assert event_type == "news" and payload["service"] == "notes"
        self.extend(payload["items"])


def test_staff_cannot_open_or_close_a_service_the_academie_opens(notes_db, clock):
    locked = worker_factory(NotesOpenedByTheAcademie, db=notes_db, clock=clock)
    before = locked.get_openings([UAI])[UAI]
    assert before["staff_can_change"] is False
    for is_open in (True, False):
        with pytest.raises(Forbidden):
            locked.set_opening(UAI, is_open, account_id=1)
    assert locked.get_openings([UAI])[UAI] == before
    locked.notices.assert_not_called()


def test_staff_can_open_and_close_notes(notes, clock):
    assert notes.get_openings([UAI])[UAI]["staff_can_change"] is True
    notes.set_opening(UAI, True, account_id=1)
    assert notes.get_openings([UAI])[UAI]["open"] is True
    notes.set_opening(UAI, False, account_id=1)
    assert notes.get_openings([UAI])[UAI]["open"] is False


def test_a_new_publication_mode_sends_the_home_tiles_news_again(notes_db, clock):
    clock.move_to(datetime(2026, 11, 12, 10, 0, tzinfo=PARIS))
    entered = datetime(2026, 11, 10, 23, 30, tzinfo=PARIS)
    seed(notes_db, [row("E1", "1001", "12"), row("E2", "1002", "8", date_publication="20/11/2026")], entered)
    seed(notes_db, [row("X1", "1001", "15")], entered, uai=OTHER_UAI)
    sent = SentNews()
    notes = worker_factory(NotesService, db=notes_db, clock=clock, news_events=sent)

    notes.set_publication_mode(UAI, ECHEANCE, account_id=1)
    # À échéance: E1 has no publication date, so its news is withdrawn (None);
    # E2 is news from its date. The other establishment's grade is not sent.
    assert sorted((i["eleve_id"], i["visible_from"]) for i in sent) == [
        (ELEVES["1001"], None), (ELEVES["1002"], datetime(2026, 11, 20, tzinfo=PARIS).isoformat())]

    sent.clear()
    notes.set_publication_mode(UAI, FIL_DE_L_EAU, account_id=1)
    next_day = datetime(2026, 11, 11, tzinfo=PARIS).isoformat()
    assert sorted((i["eleve_id"], i["visible_from"]) for i in sent) == [
        (ELEVES["1001"], next_day), (ELEVES["1002"], next_day)]
