"""An application filed twice with one idempotency key (the form posted
again, the RPC redelivered): one application, one acknowledgement, and the
second answer is the first, number included (common/idempotency.py); a
review likewise."""
import pytest
from sqlalchemy import func, select

from common.errors import ValidationError
from services.bourses.models import Demande
from services.bourses.tests.conftest import DEMANDEUR, ELEVE, IN_CAMPAIGN, child, form
from tests.helpers import command_key


@pytest.fixture
def campaign(loaded, clock):
    clock.move_to(IN_CAMPAIGN)
    return loaded


def test_an_application_filed_twice_with_one_key_is_filed_once(campaign, bourses_db):
    with command_key("form-1"):
        first = campaign.submit(child(), form(), DEMANDEUR, ELEVE)
    with command_key("form-1"):
        again = campaign.submit(child(), form(), DEMANDEUR, ELEVE)
    assert again == first and first["numero"].startswith("BC2024-")
    assert bourses_db.scalar(select(func.count()).select_from(Demande)) == 1
    assert campaign.mail_events.call_count == 1
    # Another request (another key) is refused: one application per student.
    with command_key("form-2"):
        with pytest.raises(ValidationError):
            campaign.submit(child(), form(), DEMANDEUR, ELEVE)
