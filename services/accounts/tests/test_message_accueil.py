"""The establishment's welcome message (guide: the home page shows it to its
families): only its own staff or an académie operator may write it."""
import pytest
from sqlalchemy import select

from common.errors import Forbidden, ValidationError
from services.accounts.models import Account
from tests.helpers import family_payload


def _account_id(service, identifiant):
    return service.db.scalar(select(Account.id).where(Account.identifiant == identifiant))


def _staff(service, uai, role="staff"):
    return service.create_staff_account(payload={
        "role": role, "etablissement_uai": uai if role == "staff" else None, "fonction": "direction",
        "nom": "PRINCIPAL", "prenom": "Paul"})["account_id"]


@pytest.fixture
def two_schools(service, family):
    service.import_siecle(payload=family_payload(uai="0590002B", nom="COLLEGE VOISIN"))
    return family


def test_a_family_account_cannot_set_the_welcome_message(service, family):
    guardian = _account_id(service, family["Philippe MARTIN"]["identifiant"])
    student = _account_id(service, family["Hugo MARTIN"]["identifiant"])
    for account_id in (guardian, student):
        with pytest.raises(Forbidden):
            service.set_message_accueil(uai="0590001A", message="Fermé demain.", account_id=account_id)
    assert service.get_etablissement(uai="0590001A")["message_accueil"] in (None, "")


def test_staff_of_another_establishment_or_an_unknown_account_cannot_set_it(service, two_schools):
    neighbour = _staff(service, "0590002B")
    for account_id in (neighbour, 987654):
        with pytest.raises(Forbidden):
            service.set_message_accueil(uai="0590001A", message="Fermé demain.", account_id=account_id)
    assert service.get_etablissement(uai="0590001A")["message_accueil"] in (None, "")


def test_own_staff_and_an_operator_set_it(service, family):
    staff, operator = _staff(service, "0590001A"), _staff(service, None, role="operator")
    service.set_message_accueil(uai="0590001A", message="Réunion parents-professeurs jeudi.", account_id=staff)
    assert service.get_etablissement(uai="0590001A")["message_accueil"] == "Réunion parents-professeurs jeudi."
    service.set_message_accueil(uai="0590001A", message="Portes ouvertes samedi.", account_id=operator)
    assert service.get_etablissement(uai="0590001A")["message_accueil"] == "Portes ouvertes samedi."


def test_only_an_operator_sets_the_login_page_message_kept_as_plain_text(service, family):
    """Issue 13 § 5: the login page's "Message d'accueil" is the académie's."""
    assert service.login_message() == {"message": ""}
    staff = _staff(service, "0590001A")
    guardian = _account_id(service, family["Philippe MARTIN"]["identifiant"])
    for account_id in (staff, guardian, 987654, None):
        with pytest.raises(Forbidden):
            service.set_login_message(message="Maintenance samedi.", account_id=account_id)
    assert service.login_message() == {"message": ""}
    operator = _staff(service, None, role="operator")
    text = "Maintenance samedi de 8 h à 12 h.\r\n<b>Merci</b>  "
    assert service.set_login_message(message=text, account_id=operator) == {
        "message": "Maintenance samedi de 8 h à 12 h.\n<b>Merci</b>"}
    assert service.login_message()["message"] == "Maintenance samedi de 8 h à 12 h.\n<b>Merci</b>"
    with pytest.raises(ValidationError):
        service.set_login_message(message="x" * 2001, account_id=operator)
