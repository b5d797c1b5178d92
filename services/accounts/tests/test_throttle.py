"""Rate limits per identifier: a few failures are free, then a delay that
doubles with each failure; unknown identifiers are counted the same way."""
from datetime import timedelta

import pytest

from services.accounts.exceptions import InvalidCredentials, TooManyAttempts
from services.accounts.tests.conftest import SECOND, activate


def fail(service, identifiant, times):
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            service.login(identifiant=identifiant, password="mauvais123")


@pytest.mark.parametrize("known", [True, False])
def test_login_delay_grows_after_five_failures(service, family, clock, known):
    identifiant = family["Paul DURAND"]["identifiant"] if known else "q.personne7"
    fail(service, identifiant, 5)
    fail(service, identifiant, 1)  # the 6th failure: one minute
    start = clock.now()
    with pytest.raises(TooManyAttempts) as exc:
        service.login(identifiant=identifiant, password=family["Paul DURAND"]["password"])
    assert 55 <= exc.value.retry_after <= 60
    clock.move_to(start + timedelta(minutes=1) - 2 * SECOND)
    with pytest.raises(TooManyAttempts):
        service.login(identifiant=identifiant, password="mauvais123")
    clock.move_to(start + timedelta(minutes=1) + SECOND)
    fail(service, identifiant, 1)  # the 7th: two minutes
    with pytest.raises(TooManyAttempts) as exc:
        service.login(identifiant=identifiant, password="mauvais123")
    assert 60 < exc.value.retry_after <= 120
    clock.advance(timedelta(minutes=2) + SECOND)
    if known:
        # A success clears the count.
        service.login(identifiant=identifiant, password=family["Paul DURAND"]["password"])
        fail(service, identifiant, 5)


def test_identifiers_are_counted_separately(service, family):
    fail(service, "q.personne7", 6)
    with pytest.raises(TooManyAttempts):
        service.login(identifiant="q.personne7", password="x")
    service.login(identifiant=family["Paul DURAND"]["identifiant"], password=family["Paul DURAND"]["password"])


def test_wrong_birth_dates_are_limited_per_account(service, family, clock):
    from common.errors import ValidationError

    letter = family["Zoé DURAND"]
    token = service.login(identifiant=letter["identifiant"], password=letter["password"])["token"]
    form = {"date_naissance": "2013-06-29", "new_password": "etoile2026", "new_password_confirm": "etoile2026"}
    for _ in range(6):
        with pytest.raises(ValidationError):
            service.first_connection(token=token, form=form)
    with pytest.raises(TooManyAttempts):
        service.first_connection(token=token, form={**form, "date_naissance": "2013-06-30"})
    clock.advance(timedelta(minutes=1) + SECOND)
    service.first_connection(token=token, form={**form, "date_naissance": "2013-06-30"})


def test_journal_records_logins_and_failures(service, family):
    letter = family["Zoé DURAND"]
    fail(service, letter["identifiant"], 1)
    activate(service, letter, "2013-06-30")
    kinds = [e["kind"] for e in service.audit_log(identifiant=letter["identifiant"])]
    assert kinds[:4] == ["first_connection", "login", "login_failed", "letter"]
    # Staff of another establishment read nothing of it.
    assert service.audit_log(identifiant=letter["identifiant"], uai="0590002B") == []
    assert len(service.audit_log(identifiant=letter["identifiant"], uai="0590001A")) == len(kinds)
