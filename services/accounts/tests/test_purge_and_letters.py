"""FAQ: accounts not activated or not confirmed within 90 days, or unused for
365 days, are deleted by a daily job; letters are valid 3 months; accounts
outlive school years."""
from datetime import timedelta

import pytest

from common.clock import add_months
from services.accounts.exceptions import InvalidCredentials, ProvisionalPasswordExpired
from services.accounts.tests.conftest import SECOND, activate, confirmed_guardian

DAY = timedelta(days=1)


def purge_at(service, clock, instant):
    clock.move_to(instant)
    return service.run_daily_jobs()


def test_provisional_password_is_refused_after_three_months(service, family, clock):
    start = clock.now()
    letter = family["Paul DURAND"]
    clock.move_to(add_months(start, 3) - SECOND)
    service.login(identifiant=letter["identifiant"], password=letter["password"])
    clock.move_to(add_months(start, 3) + 5 * SECOND)
    with pytest.raises(ProvisionalPasswordExpired):
        service.login(identifiant=letter["identifiant"], password=letter["password"])
    # The school prints a new letter; it works again for 3 months.
    fresh = {l["prenom"]: l for l in service.issue_letters(uai="0590001A", eleve_ids=None, classe="5A")}
    service.login(identifiant=letter["identifiant"], password=fresh["Paul"]["password"])


def test_a_letter_for_an_account_in_use_recalls_only_the_identifier(service, family):
    activate(service, family["Zoé DURAND"], "2013-06-30")
    again = {l["prenom"]: l for l in service.issue_letters(uai="0590001A")}
    assert again["Zoé"]["password"] is None and again["Zoé"]["identifiant"] == family["Zoé DURAND"]["identifiant"]
    service.login(identifiant=family["Zoé DURAND"]["identifiant"], password="soleil2026")
    # "All new accounts": none is new any more, every one had a letter.
    assert service.issue_letters(uai="0590001A", only_new=True) == []


def test_accounts_not_activated_within_90_days_of_their_letter_are_purged(service, family, clock):
    start = clock.now()
    letter = family["Paul DURAND"]
    assert purge_at(service, clock, start + 90 * DAY - SECOND)["non_active"] == 0
    assert purge_at(service, clock, start + 90 * DAY - SECOND) is None  # once a day
    report = purge_at(service, clock, start + 91 * DAY)
    assert report["non_active"] == 6  # every account of the establishment: none was activated
    assert service.audit_log(identifiant=letter["identifiant"])[0]["detail"] == "non activé dans les 90 jours"
    # The letter still gets its helpful answer (expired_letters.py), but only with its password.
    with pytest.raises(ProvisionalPasswordExpired):
        service.login(identifiant=letter["identifiant"], password=letter["password"])
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=letter["identifiant"], password="pas-le-bon1")
    # The school prints a new letter: the account is created again.
    fresh = {f"{l['prenom']} {l['nom']}": l for l in service.issue_letters(uai="0590001A", only_new=True)}
    assert set(fresh) == {"Hugo MARTIN", "Léa MARTIN", "Zoé DURAND", "Philippe MARTIN", "Claire MARTIN",
                          "Paul DURAND"}
    assert service.login(identifiant=fresh["Paul DURAND"]["identifiant"], password=fresh["Paul DURAND"]["password"])


def test_guardian_not_confirmed_within_90_days_of_the_first_connection_is_purged(service, family, clock):
    start = clock.now()
    activate(service, family["Philippe MARTIN"], "2014-01-02", email="philippe@example.org")
    confirmed_guardian(service, family["Claire MARTIN"], "2012-04-04", "claire@example.org")
    activate(service, family["Zoé DURAND"], "2013-06-30", email="zoe@example.org")  # a student: never purged for that
    end = clock.now()
    for letter in (family["Claire MARTIN"], family["Zoé DURAND"], family["Philippe MARTIN"]):
        service.login(identifiant=letter["identifiant"], password="soleil2026")
    assert purge_at(service, clock, start + 90 * DAY - SECOND)["non_confirme"] == 0
    report = purge_at(service, clock, end + 90 * DAY + SECOND + DAY)
    assert report["non_confirme"] == 1
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=family["Philippe MARTIN"]["identifiant"], password="soleil2026")
    service.login(identifiant=family["Claire MARTIN"]["identifiant"], password="soleil2026")
    service.login(identifiant=family["Zoé DURAND"]["identifiant"], password="soleil2026")


def test_accounts_unused_for_365_days_are_purged_and_used_ones_live_on(service, family, clock):
    start = clock.now()
    confirmed_guardian(service, family["Claire MARTIN"], "2012-04-04", "claire@example.org")
    activate(service, family["Zoé DURAND"], "2013-06-30")
    end = clock.now()
    # Claire logs in every few months, across school years; Zoé never comes back.
    for months in (4, 8, 12, 16, 20):
        clock.move_to(add_months(end, months))
        service.login(identifiant=family["Claire MARTIN"]["identifiant"], password="soleil2026")
        if months == 8:
            assert purge_at(service, clock, start + 365 * DAY - SECOND)["inutilise"] == 0
    report = purge_at(service, clock, end + 365 * DAY + DAY)
    assert report["inutilise"] == 1
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=family["Zoé DURAND"]["identifiant"], password="soleil2026")
    clock.move_to(add_months(end, 20) + DAY)
    service.login(identifiant=family["Claire MARTIN"]["identifiant"], password="soleil2026")
    assert service.audit_log(identifiant=family["Zoé DURAND"]["identifiant"])[0]["kind"] == "purged"


def test_letters_for_one_student_or_one_class(service, family):
    eleves = {e["prenom"]: e for e in service.letter_choices(uai="0590001A")["eleves"]}
    assert service.letter_choices(uai="0590001A")["classes"] == ["5A", "6B"]
    one = service.issue_letters(uai="0590001A", eleve_ids=[eleves["Léa"]["eleve_id"]])
    assert sorted(f"{l['prenom']} {l['nom']}" for l in one) == ["Claire MARTIN", "Léa MARTIN", "Philippe MARTIN"]
    klass = service.issue_letters(uai="0590001A", classe="5A")
    assert sorted(l["prenom"] for l in klass) == ["Claire", "Hugo", "Paul", "Philippe", "Zoé"]
    assert all(l["valid_until"] for l in klass)


def test_the_purge_keeps_of_an_unused_letter_only_keyed_hashes_and_forgets_them_after_a_year(
        service, family, clock, accounts_db):
    from sqlalchemy import select

    from services.accounts.models import ExpiredLetter
    start = clock.now()
    letter = family["Paul DURAND"]
    purge_at(service, clock, start + 91 * DAY)
    kept = accounts_db.scalars(select(ExpiredLetter)).all()
    assert len(kept) == 6
    stored = " ".join(f"{r.identifiant_hash} {r.password_hash}" for r in kept).lower()
    for person in family.values():  # no identifier, name or password in clear
        assert person["identifiant"].lower() not in stored and person["nom"].lower() not in stored
        assert person["password"].lower() not in stored
    # A year and a day after the purge, forgotten: the usual answer.
    purge_at(service, clock, start + 91 * DAY + 366 * DAY)
    assert accounts_db.scalars(select(ExpiredLetter)).all() == []
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=letter["identifiant"], password=letter["password"])
