"""`siecle_identity`, what a service keeping its own SIECLE copy (the fiche)
learns of a viewer: the guardian's own SIECLE person for that student, never
the other guardian's; nothing for a child not theirs or a contact only."""
import pytest

from common.errors import NotFound
from tests.helpers import family_payload, letters_by_name


@pytest.fixture
def family(service):
    service.import_siecle(family_payload())
    letters = letters_by_name(service.issue_letters(uai="0590001A"))
    eleves = {f"{e['prenom']} {e['nom']}": e["eleve_id"] for e in service.list_eleves(uai="0590001A")}
    return letters, eleves


def account_id(service, letter) -> int:
    return service.get_session(service.login(letter["identifiant"], letter["password"])["token"])["id"]


def test_each_guardian_is_their_own_siecle_person(service, family):
    letters, eleves = family
    philippe = service.siecle_identity(account_id(service, letters["Philippe MARTIN"]), eleves["Hugo MARTIN"])
    claire = service.siecle_identity(account_id(service, letters["Claire MARTIN"]), eleves["Hugo MARTIN"])
    assert (philippe["siecle_eleve_id"], philippe["siecle_personne_ids"], philippe["prenom"]) == (
        "101", ["201"], "Philippe")
    assert claire["siecle_personne_ids"] == ["202"]
    hugo = service.siecle_identity(account_id(service, letters["Hugo MARTIN"]), eleves["Hugo MARTIN"])
    assert (hugo["siecle_personne_ids"], hugo["prenom"]) == ([], "Hugo")


def test_a_child_not_theirs_is_not_found(service, family):
    letters, eleves = family
    with pytest.raises(NotFound):
        service.siecle_identity(account_id(service, letters["Paul DURAND"]), eleves["Hugo MARTIN"])
    with pytest.raises(NotFound):
        service.siecle_identity(account_id(service, letters["Hugo MARTIN"]), eleves["Léa MARTIN"])
    with pytest.raises(NotFound):
        service.siecle_identity("1", eleves["Hugo MARTIN"])
