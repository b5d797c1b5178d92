"""Guide § 2.2: the confirmation link (3 months), the guardian who reaches no
service before following it, the student whose address is optional."""
import pytest

from common.clock import add_months
from common.errors import ValidationError
from services.accounts.exceptions import TokenExpired, TokenInvalid
from services.accounts.tests.conftest import SECOND, activate, link_token


def test_guardian_first_connection_mails_a_link_and_blocks_until_it_is_followed(service, family):
    token = activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    mail = service.mails.last("philippe@example.org", "confirmation_adresse")
    assert mail["context"]["identifiant"] == family["Philippe MARTIN"]["identifiant"]
    assert mail["context"]["prenom"] == "Philippe"
    assert service.get_session(token=token)["must_confirm_email"] is True

    result = service.confirm_email(token=link_token(mail))
    assert result["email"] == "philippe@example.org"
    view = service.get_session(token=token)
    assert view["must_confirm_email"] is False and view["email_confirmed"] is True


def test_confirmation_link_is_valid_three_months(service, family, clock):
    start = clock.now()
    activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    activate(service, family["Claire MARTIN"], "2012-04-04", email="claire@example.org")
    end = clock.now()
    philippe = link_token(service.mails.last("philippe@example.org"))
    claire = link_token(service.mails.last("claire@example.org"))

    clock.move_to(add_months(start, 3) - SECOND)
    assert service.confirm_email(token=philippe)["email"] == "philippe@example.org"
    clock.move_to(add_months(end, 3) + SECOND)
    with pytest.raises(TokenExpired):
        service.confirm_email(token=claire)


def test_link_works_once_and_dies_when_the_address_is_corrected(service, family):
    token = activate(service, family["Philippe MARTIN"], "2014-01-02", email="philipe@exemple.org")
    first = link_token(service.mails.last("philipe@exemple.org"))
    # "Vérification mail": the guardian corrects the address; the link goes there.
    sent = service.resend_confirmation(token=token, email="philippe@example.org",
                                       email_confirm="philippe@example.org")
    assert sent == {"email": "philippe@example.org"}
    with pytest.raises(TokenInvalid):
        service.confirm_email(token=first)
    second = link_token(service.mails.last("philippe@example.org"))
    assert service.confirm_email(token=second)["already_confirmed"] is False
    # Followed again: it says the address is already confirmed (no other change).
    assert service.confirm_email(token=second) == {"already_confirmed": True, "purpose": "email_confirmation"}
    with pytest.raises(TokenInvalid):
        service.confirm_email(token="pas-un-jeton")


@pytest.mark.parametrize("email, confirm, field", [
    ("pas une adresse", "pas une adresse", "email"),
    ("a@example.org", "b@example.org", "email_confirm"),
    ("x" * 300 + "@example.org", "x" * 300 + "@example.org", "email"),
    ("", "", "email"),
])
def test_verification_form_refuses_bad_addresses_and_changes_nothing(service, family, email, confirm, field):
    token = activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    before = len(service.mails)
    with pytest.raises(ValidationError) as exc:
        service.resend_confirmation(token=token, email=email, email_confirm=confirm)
    assert field in exc.value.errors
    assert len(service.mails) == before
    assert service.get_session(token=token)["email"] == "philippe@example.org"


def test_student_address_is_optional_and_does_not_block(service, family):
    token = activate(service, family["Zoé DURAND"], "2013-06-30")
    view = service.get_session(token=token)
    assert view["email"] is None and view["must_confirm_email"] is False
    assert service.mails == []

    hugo = activate(service, family["Hugo MARTIN"], "2012-04-04", email="hugo@example.org")
    assert service.get_session(token=hugo)["must_confirm_email"] is False
    # The profile's button sends the link again to the current address.
    assert service.resend_confirmation(token=hugo) == {"email": "hugo@example.org"}
    assert len(service.mails.to("hugo@example.org")) == 2


def test_resending_is_rate_limited_per_account(service, family, clock):
    from datetime import timedelta

    from services.accounts.exceptions import TooManyAttempts

    token = activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    for _ in range(3):
        service.resend_confirmation(token=token)
    service.resend_confirmation(token=token)  # the 4th is sent, and starts a delay
    with pytest.raises(TooManyAttempts) as exc:
        service.resend_confirmation(token=token)
    assert 0 < exc.value.retry_after <= 15 * 60
    clock.advance(timedelta(minutes=15) + SECOND)
    service.resend_confirmation(token=token)


def test_a_link_followed_again_says_already_confirmed_only_while_its_address_holds(service, family):
    token = activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    link = link_token(service.mails.last("philippe@example.org"))
    service.confirm_email(token=link)
    assert service.confirm_email(token=link)["already_confirmed"] is True
    # The address moves on (profile, confirmed change): the old link says nothing about it any more.
    service.change_profile(token=token, form={"current_password": "soleil2026", "email": "nouvelle@example.org",
                                              "email_confirm": "nouvelle@example.org"})
    change = link_token(service.mails.last("nouvelle@example.org"))
    assert service.confirm_email(token=change)["email"] == "nouvelle@example.org"
    with pytest.raises(TokenInvalid):
        service.confirm_email(token=link)
    assert service.confirm_email(token=change) == {"already_confirmed": True, "purpose": "email_change"}
