"""The school's decision and a family's changes, each sent twice with one
idempotency key (a form posted again, an RPC redelivered): applied once, one
mail, and the second answer is the first (common/idempotency.py)."""
from sqlalchemy import func, select

from services.fiche.models import Demande
from services.fiche.tests.conftest import UAI, child, sent_mails
from tests.helpers import command_key


def _pending(fiche):
    dossier = fiche.dossier(UAI, fiche.dossiers(UAI)[0]["eleve_id"])
    return dossier["eleve_id"], {d["champ"]: d["id"] for d in dossier["en_attente"]}


def test_a_decision_sent_twice_with_one_key_is_taken_once(fiche):
    fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})
    eleve_id, ids = _pending(fiche)
    decisions = [{"demande_id": ids["prenom2"], "decision": "accepter"}]
    with command_key("decide-1"):
        first = fiche.decide(UAI, eleve_id, decisions, account_id=9)
    with command_key("decide-1"):
        again = fiche.decide(UAI, eleve_id, decisions, account_id=9)
    assert again == first == {"acceptees": 1, "refusees": 0, "courriels": 1}
    assert len(sent_mails(fiche)) == 1


def test_changes_sent_twice_with_one_key_are_stored_once(fiche, fiche_db):
    before = fiche_db.scalar(select(func.count(Demande.id)))
    with command_key("form-1"):
        first = fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})
    with command_key("form-1"):
        again = fiche.submit_changes(child(), "eleve", {"prenom2": "Jean"})
    assert again == first
    assert fiche_db.scalar(select(func.count(Demande.id))) == before + 1
