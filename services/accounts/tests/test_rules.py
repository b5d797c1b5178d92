"""Rules others rely on: who administers an establishment (asked by every
feature service before an opening changes), and the rules' words the gateway
shows, which must say what the rules apply."""
import subprocess
import sys

import pytest

from common.config import ROOT
from common.settings import Env
from contract.errors import ValidationError
from services.accounts import passwords
from services.accounts.settings import AccountsSettings
from tests.helpers import family_payload

UAI = "0590001A"  # family_payload's establishment


def staff_of(service, uai, role="staff"):
    return service.create_staff_account(payload={
        "role": role, "etablissement_uai": uai if role == "staff" else None, "fonction": "direction",
        "nom": "PROVISEUR", "prenom": "Anne"})["account_id"]


def test_staff_administer_their_establishment_only_and_operators_every_one(service, family):
    service.import_siecle(payload=family_payload(uai="0590002B", nom="COLLÈGE B"))
    staff, operator = staff_of(service, UAI), staff_of(service, None, role="operator")

    assert service.administers(account_id=staff, uai=UAI) is True
    assert service.administers(account_id=staff, uai="0590002B") is False
    assert service.administers(account_id=operator, uai="0590002B") is True
    assert service.administers(account_id=987654, uai=UAI) is False


def test_a_family_account_administers_nothing(service, family):
    guardian = service.login(identifiant=family["Philippe MARTIN"]["identifiant"],
                             password=family["Philippe MARTIN"]["password"])
    account_id = service.get_session(token=guardian["token"])["id"]

    assert service.administers(account_id=account_id, uai=UAI) is False


@pytest.mark.parametrize("length_offset, accepted", [(-1, False), (0, True)])
def test_the_shown_minimum_length_is_the_one_applied(service, family, length_offset, accepted):
    rules = service.rules()
    assert f"{rules['password']['min_length']} caractères minimum" in rules["password"]["hint"]
    password = ("a1" * 20)[:rules["password"]["min_length"] + length_offset]
    assert_password_accepted(service, family, password, accepted)


@pytest.mark.parametrize("length_offset, accepted", [(0, True), (1, False)])
def test_the_shown_maximum_length_is_the_one_applied(service, family, length_offset, accepted):
    rules = service.rules()
    assert f"{rules['password']['max_length']} caractères maximum" in rules["password"]["hint"]
    password = ("a1" * 20)[:rules["password"]["max_length"] + length_offset]
    assert_password_accepted(service, family, password, accepted)


def assert_password_accepted(service, family, password, accepted):
    letter = family["Hugo MARTIN"]
    token = service.login(identifiant=letter["identifiant"], password=letter["password"])["token"]
    form = {"date_naissance": "2012-04-04", "new_password": password, "new_password_confirm": password}
    if accepted:
        service.first_connection(token=token, form=form)
    else:
        with pytest.raises(ValidationError) as refused:
            service.first_connection(token=token, form=form)
        assert "new_password" in refused.value.errors


def test_the_validities_shown_are_the_seeds(service):
    rules = service.rules()

    assert rules["confirmation_link_validity"] == "3 mois"
    assert rules["reset_link_validity"] == "une semaine"
    assert rules["letter_validity"] == "3 mois"


def test_chosen_passwords_are_hashed_at_the_production_cost_unless_the_test_suite_asks():
    """OWASP's second set (docs/security.md) in `make run`, the benchmarks and
    an académie; the light cost only where SCOLARITE_TEST_LIGHT_HASH=1, which
    tests/fixtures.py sets under pytest alone."""
    made = subprocess.run([sys.executable, "-c", "from services.accounts.passwords import hash_password; "
                           "print(hash_password('soleil2026'))"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert AccountsSettings.from_env(Env({})).light_test_hash is False
    assert AccountsSettings.from_env(Env({"SCOLARITE_TEST_LIGHT_HASH": "1"})).light_test_hash is True
    assert passwords.hash_password("soleil2026").startswith("$argon2id$v=19$m=2048,t=1,p=1$")
