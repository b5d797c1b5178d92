"""Issue 13 § 3 and 4: the first-connection form answers every field's
problem in one round; only a wrong birth date counts toward the account's
slow-down, never a missing one; `check_only` never activates."""
import pytest

from common.errors import ValidationError
from services.accounts.exceptions import TooManyAttempts


def _provisional_token(service, letter):
    return service.login(identifiant=letter["identifiant"], password=letter["password"])["token"]


def test_an_empty_form_gets_every_field_problem_at_once(service, family):
    token = _provisional_token(service, family["Philippe MARTIN"])
    with pytest.raises(ValidationError) as refused:
        service.first_connection(token=token, form={})
    assert refused.value.errors == {
        "date_naissance": ["Ce champ est obligatoire."],
        "new_password": ["Ce champ est obligatoire."],
        "new_password_confirm": ["Ce champ est obligatoire."],
        "email": ["L'adresse électronique est obligatoire pour un responsable."],
    }


def test_a_wrong_date_is_reported_with_the_other_problems_and_counted(service, family):
    letter = family["Philippe MARTIN"]
    token = _provisional_token(service, letter)
    for _ in range(5):
        with pytest.raises(ValidationError) as refused:
            service.first_connection(token=token, form={"date_naissance": "2001-01-01", "new_password": "court",
                                                        "new_password_confirm": "court"})
        assert set(refused.value.errors) == {"date_naissance", "new_password", "email"}
        assert refused.value.errors["date_naissance"] == ["La date de naissance ne correspond à aucun de vos enfants."]
    with pytest.raises(ValidationError):
        service.first_connection(token=token, form={"date_naissance": "2001-01-01"})
    # The sixth wrong date: the account must wait.
    with pytest.raises(TooManyAttempts):
        service.first_connection(token=token, form={"date_naissance": "2014-01-02"})


def test_missing_or_unreadable_dates_never_slow_the_account_down(service, family):
    letter = family["Hugo MARTIN"]
    token = _provisional_token(service, letter)
    for form in [{}, {"date_naissance": None}, {"date_naissance": "04/04/2012x"}] * 4:
        with pytest.raises(ValidationError) as refused:
            service.first_connection(token=token, form={**form, "new_password": "soleil2026",
                                                        "new_password_confirm": "soleil2026"})
        assert list(refused.value.errors) == ["date_naissance"]
    good = {"date_naissance": "2012-04-04", "new_password": "soleil2026", "new_password_confirm": "soleil2026"}
    assert service.first_connection(token=token, form=good)["token"]


def test_check_only_never_activates_the_account(service, family):
    letter = family["Hugo MARTIN"]
    token = _provisional_token(service, letter)
    good = {"date_naissance": "2012-04-04", "new_password": "soleil2026", "new_password_confirm": "soleil2026"}
    assert service.first_connection(token=token, form=good, check_only=True) == {"valid": True}
    assert service.get_session(token=token)["must_change_password"] is True
    assert service.login(identifiant=letter["identifiant"], password=letter["password"])["must_change_password"]
