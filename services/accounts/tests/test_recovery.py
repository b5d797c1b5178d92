"""Guide § 2.4 and FAQ: forgotten identifier, forgotten password (a link valid
one week), both silent about what exists, both only for a confirmed address."""
from datetime import timedelta

import pytest

from common.errors import ValidationError
from services.accounts.exceptions import InvalidCredentials, SessionExpired, TokenExpired, TokenInvalid
from services.accounts.tests.conftest import SECOND, activate, confirmed_guardian, link_token


def test_forgotten_identifier_mails_every_identifier_with_that_confirmed_address(service, family):
    confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "famille@example.org")
    confirmed_guardian(service, family["Hugo MARTIN"], "2012-04-04", "famille@example.org")
    activate(service, family["Claire MARTIN"], "2012-04-04", email="claire@example.org")  # not confirmed
    before = len(service.mails)

    assert service.forgotten_identifier(email="FAMILLE@example.org") is None
    mail = service.mails[-1]
    assert len(service.mails) == before + 1
    assert mail["kind"] == "rappel_identifiant" and mail["to"] == "famille@example.org"
    assert sorted(mail["context"]["identifiants"]) == sorted(
        [family["Philippe MARTIN"]["identifiant"], family["Hugo MARTIN"]["identifiant"]])

    # Unconfirmed or unknown: the same answer, and nothing is sent.
    assert service.forgotten_identifier(email="claire@example.org") is None
    assert service.forgotten_identifier(email="personne@example.org") is None
    assert len(service.mails) == before + 1


def test_forgotten_password_link_is_valid_one_week(service, family, clock):
    philippe, zoe = family["Philippe MARTIN"], family["Paul DURAND"]
    confirmed_guardian(service, philippe, "2014-01-02", "philippe@example.org")
    confirmed_guardian(service, zoe, "2013-06-30", "paul@example.org")
    start = clock.now()
    service.forgotten_password(identifiant=philippe["identifiant"])
    service.forgotten_password(identifiant=zoe["identifiant"].upper() + "  ")
    end = clock.now()
    link_philippe = link_token(service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe"))
    link_paul = link_token(service.mails.last("paul@example.org", "reinitialisation_mot_de_passe"))

    # The password does not change until the link is used.
    service.login(identifiant=philippe["identifiant"], password="soleil2026")

    clock.move_to(start + timedelta(weeks=1) - SECOND)
    assert service.check_reset_token(token=link_philippe) == {"identifiant": philippe["identifiant"]}
    service.reset_password(token=link_philippe, form={"new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})
    clock.move_to(end + timedelta(weeks=1) + SECOND)
    with pytest.raises(TokenExpired):
        service.check_reset_token(token=link_paul)
    with pytest.raises(TokenExpired):
        service.reset_password(token=link_paul, form={"new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})


def test_reset_link_works_once_and_ends_every_session(service, family):
    letter = family["Philippe MARTIN"]
    session = confirmed_guardian(service, letter, "2014-01-02", "philippe@example.org")
    other = service.login(identifiant=letter["identifiant"], password="soleil2026")["token"]
    service.forgotten_password(identifiant=letter["identifiant"])
    token = link_token(service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe"))

    # A password outside the rule changes nothing and leaves the link usable.
    with pytest.raises(ValidationError) as exc:
        service.reset_password(token=token, form={"new_password": "court1", "new_password_confirm": "court1"})
    assert "new_password" in exc.value.errors
    service.reset_password(token=token, form={"new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})

    for t in (session, other):
        with pytest.raises(SessionExpired):
            service.get_session(token=t)
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=letter["identifiant"], password="soleil2026")
    service.login(identifiant=letter["identifiant"], password="nouveau2027")
    assert service.mails.last("philippe@example.org")["kind"] == "mot_de_passe_modifie"
    with pytest.raises(TokenInvalid):
        service.reset_password(token=token, form={"new_password": "encore2028", "new_password_confirm": "encore2028"})


def test_a_second_reset_link_dies_when_the_first_one_changed_the_password(service, family):
    letter = family["Philippe MARTIN"]
    confirmed_guardian(service, letter, "2014-01-02", "philippe@example.org")
    service.forgotten_password(identifiant=letter["identifiant"])
    first = link_token(service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe"))
    service.forgotten_password(identifiant=letter["identifiant"])
    second = link_token(service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe"))
    service.reset_password(token=second, form={"new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})
    with pytest.raises(TokenInvalid):
        service.check_reset_token(token=first)


def test_no_self_help_without_a_confirmed_address(service, family):
    activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    activate(service, family["Zoé DURAND"], "2013-06-30")
    before = len(service.mails)
    for letter in (family["Philippe MARTIN"], family["Zoé DURAND"], {"identifiant": "x.inconnu9"}):
        assert service.forgotten_password(identifiant=letter["identifiant"]) is None
    assert len(service.mails) == before


@pytest.mark.parametrize("identifiant", ["", "p.martin<script>", "é.dupont1", "a" * 300, "p martin1"])
def test_forgotten_password_refuses_malformed_identifiers_in_french(service, identifiant):
    with pytest.raises(ValidationError) as exc:
        service.forgotten_password(identifiant=identifiant)
    message = exc.value.errors["identifiant"][0]
    assert message in ("Ce champ est obligatoire.",) or message.startswith("Identifiant invalide")


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b", "x" * 300 + "@example.org", "a@exa mple.org"])
def test_forgotten_identifier_refuses_malformed_addresses_in_french(service, email):
    with pytest.raises(ValidationError) as exc:
        service.forgotten_identifier(email=email)
    assert exc.value.errors["email"][0] in ("Ce champ est obligatoire.", "Adresse électronique invalide.")
