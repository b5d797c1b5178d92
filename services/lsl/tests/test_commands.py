"""A family's request, the school's decision and a replication, each sent
twice with one idempotency key (a form posted again, an RPC redelivered):
applied once, and the second answer is the first (common/idempotency.py)."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from common.clock import PARIS
from common.errors import ValidationError
from services.lsl.models import Replication
from services.lsl.tests.conftest import LYCEE, child, eleve, xml
from tests.helpers import command_key

SOPHIE = {"prenom": "Sophie", "nom": "LEFEBVRE", "email": "sophie.lefebvre@example.org"}
RECTIFICATION = {"type": "rectification", "partie": "scolarite", "objet": "L'année 2022-2023 manque.",
                 "commentaire": "Il était au collège Jean Moulin."}


@pytest.fixture
def opened(lsl, clock):
    clock.move_to(datetime(2026, 12, 10, 9, 0, tzinfo=PARIS))
    lsl.set_opening(LYCEE, True, account_id=1)
    lsl.replicate(LYCEE, xml(eleve("3001"), eleve("3002")).decode())
    return lsl


def test_a_request_sent_twice_with_one_key_is_recorded_once(opened):
    with command_key("form-1"):
        first = opened.request(child(11), RECTIFICATION, SOPHIE)
    with command_key("form-1"):
        again = opened.request(child(11), RECTIFICATION, SOPHIE)
    assert again == first
    assert [d["id"] for d in opened.requests(child(11))] == [first["id"]]
    with command_key("form-2"):
        opened.request(child(11), RECTIFICATION, SOPHIE)
    assert len(opened.requests(child(11))) == 2


def test_a_decision_sent_twice_with_one_key_mails_once_and_answers_the_same(opened):
    made = opened.request(child(11), RECTIFICATION, SOPHIE)
    with command_key("decide-1"):
        first = opened.decide(LYCEE, made["id"], "acceptee", "Corrigé.", account_id=7)
    with command_key("decide-1"):
        again = opened.decide(LYCEE, made["id"], "acceptee", "Corrigé.", account_id=7)
    assert again == first and first["etat"] == "acceptee"
    assert opened.mail_events.call_count == 1
    # Without the key, a second decision is another request, refused.
    with pytest.raises(ValidationError):
        opened.decide(LYCEE, made["id"], "refusee", account_id=7)


def test_a_refused_file_replayed_with_its_key_is_logged_once(opened, lsl_db):
    bad = xml(eleve("9999")).decode()  # a student the lycée does not have
    with command_key("replication-1"):
        with pytest.raises(ValidationError) as first:
            opened.replicate(LYCEE, bad)
    with command_key("replication-1"):
        with pytest.raises(ValidationError) as again:
            opened.replicate(LYCEE, bad)
    assert again.value.errors == first.value.errors
    refused = lsl_db.scalar(select(func.count()).select_from(Replication).where(Replication.acceptee.is_(False)))
    assert refused == 1
