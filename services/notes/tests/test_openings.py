"""Openings (FeatureContract, here through the notes service): staff act on the
current and the next school year only, and only for an establishment accounts
says they administer; nothing changes when a request is refused."""
from datetime import datetime

import pytest

from common.clock import PARIS
from contract.errors import Forbidden, ValidationError
from services.notes.tests.conftest import UAI

STAFF = 7


@pytest.fixture
def november_2026(clock):
    clock.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=PARIS))


def is_open(notes, year):
    return notes.get_openings(uais=[UAI], annee_scolaire=year)[UAI]["open"]


@pytest.mark.parametrize("year", [2026, 2027])
def test_staff_open_the_current_or_the_next_school_year(notes, november_2026, year):
    notes.accounts.administers.return_value = True

    assert notes.set_opening(UAI, True, account_id=STAFF, annee_scolaire=year)["open"] is True
    assert is_open(notes, year)
    notes.accounts.administers.assert_called_with(account_id=STAFF, uai=UAI)


@pytest.mark.parametrize("year", [2025, 2028])
def test_another_school_year_is_refused_and_nothing_changes(notes, november_2026, year):
    notes.accounts.administers.return_value = True

    with pytest.raises(ValidationError) as refused:
        notes.set_opening(UAI, True, account_id=STAFF, annee_scolaire=year)
    assert "annee_scolaire" in refused.value.errors
    assert not is_open(notes, year)


def test_an_account_that_does_not_administer_the_establishment_is_refused(notes, november_2026):
    notes.accounts.administers.return_value = False

    with pytest.raises(Forbidden):
        notes.set_opening(UAI, True, account_id=STAFF)
    assert not is_open(notes, 2026)


def test_the_academies_back_office_opens_without_an_account(notes, november_2026):
    assert notes.set_opening(UAI, True, account_id=None)["open"] is True
    notes.accounts.administers.assert_not_called()
