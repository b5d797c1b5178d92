"""A justification and the school's decision, each sent twice with one
idempotency key (a form posted again, an RPC redelivered): recorded once,
one mail, and the second answer is the first (common/idempotency.py)."""
import pytest
from sqlalchemy import func, select

from common.errors import ValidationError
from services.vie_scolaire.models import Justification
from services.vie_scolaire.tests.conftest import UAI, absence, child, paris, setup_school
from tests.helpers import command_key

AUTEUR = {"email": "parent.martin@example.org", "prenom": "Claire", "nom": "MARTIN", "eleve_prenom": "Léa",
          "eleve_nom": "MARTIN", "etablissement_nom": "Collège Jean Moulin"}
FORM = {"motif": "MAL", "commentaire": "Fièvre"}


@pytest.fixture
def school(vs, clock):
    clock.move_to(paris(2026, 11, 9, 17, 0))
    setup_school(vs)
    vs.import_evenements(UAI, [absence("A1")])
    clock.move_to(paris(2026, 11, 10, 9, 0))
    return vs


def test_a_justification_and_its_decision_sent_twice_with_one_key_apply_once(school, vs_db):
    [line] = school.page(child())["periodes"][0]["evenements"]["absence"]
    with command_key("form-1"):
        first = school.justify(child(), line["id"], FORM, AUTEUR)
    with command_key("form-1"):
        again = school.justify(child(), line["id"], FORM, AUTEUR)
    assert again == first == {"etat": "en_attente"}
    assert vs_db.scalar(select(func.count()).select_from(Justification)) == 1
    # Without the key, justifying again is another request, refused.
    with pytest.raises(ValidationError):
        school.justify(child(), line["id"], FORM, AUTEUR)

    [pending] = school.pending_justifications(UAI)
    with command_key("decide-1"):
        decided = school.decide_justification(UAI, pending["id"], {"accepter": True}, 42)
    with command_key("decide-1"):
        assert school.decide_justification(UAI, pending["id"], {"accepter": True}, 42) == decided
    assert decided == {"etat": "acceptee"}
    mails = [m for call in school.mail_events.call_args_list for m in call.args[1]["messages"]]
    assert len(mails) == 1
