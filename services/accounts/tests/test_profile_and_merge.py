"""Guide § 2.5 and 2.7: the profile (new address, new password, both with the
current password) and merging a guardian's accounts ("regroupement")."""
from datetime import timedelta

import pytest

from common.clock import add_months
from common.errors import ValidationError
from services.accounts.exceptions import (
    InvalidCredentials, MergeRefused, ProvisionalPasswordExpired, SessionExpired, TokenExpired, TokenInvalid,
    TooManyAttempts,
)
from services.accounts.tests.conftest import SECOND, activate, confirmed_guardian, link_token
from tests.helpers import family_payload, letters_by_name


def test_new_address_takes_effect_once_its_link_is_followed_and_the_old_one_is_told(service, family):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "ancienne@example.org")
    done = service.change_profile(token=token, form={
        "current_password": "soleil2026", "email": "nouvelle@example.org", "email_confirm": "nouvelle@example.org"})
    assert done["email_sent_to"] == "nouvelle@example.org" and not done["password_changed"]
    notice = service.mails.last("ancienne@example.org")
    assert notice["kind"] == "information_ancienne_adresse"
    assert notice["context"]["nouvelle_adresse"] == "nouvelle@example.org"
    assert service.get_session(token=token)["email"] == "ancienne@example.org"

    service.confirm_email(token=link_token(service.mails.last("nouvelle@example.org", "confirmation_nouvelle_adresse")))
    view = service.get_session(token=token)
    assert view["email"] == "nouvelle@example.org" and view["email_confirmed"]


def test_password_change_needs_the_current_password_sends_a_notice_and_ends_other_sessions(service, family):
    letter = family["Philippe MARTIN"]
    token = confirmed_guardian(service, letter, "2014-01-02", "philippe@example.org")
    other = service.login(identifiant=letter["identifiant"], password="soleil2026")["token"]
    form = {"current_password": "pas-le-bon1", "new_password": "nouveau2027", "new_password_confirm": "nouveau2027"}
    with pytest.raises(ValidationError) as exc:
        service.change_profile(token=token, form=form)
    assert exc.value.errors == {"current_password": ["Mot de passe actuel incorrect."]}
    service.login(identifiant=letter["identifiant"], password="soleil2026")  # unchanged

    done = service.change_profile(token=token, form={**form, "current_password": "soleil2026"})
    assert done["password_changed"]
    with pytest.raises(SessionExpired):
        service.get_session(token=other)
    service.get_session(token=done["token"])
    assert service.mails.last("philippe@example.org")["kind"] == "mot_de_passe_modifie"
    service.login(identifiant=letter["identifiant"], password="nouveau2027")


@pytest.mark.parametrize("form, field", [
    ({}, "_"),
    ({"email": "pas une adresse", "email_confirm": "pas une adresse"}, "email"),
    ({"email": "a@example.org", "email_confirm": "b@example.org"}, "email_confirm"),
    ({"new_password": "sanschiffres", "new_password_confirm": "sanschiffres"}, "new_password"),
    ({"new_password": "valide2026", "new_password_confirm": "valide2027"}, "new_password_confirm"),
    ({"new_password": "x" * 300, "new_password_confirm": "x" * 300}, "new_password"),
])
def test_profile_refuses_bad_input_and_changes_nothing(service, family, form, field):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    before = len(service.mails)
    with pytest.raises(ValidationError) as exc:
        service.change_profile(token=token, form={"current_password": "soleil2026", **form})
    assert field in exc.value.errors
    assert len(service.mails) == before
    service.login(identifiant=family["Philippe MARTIN"]["identifiant"], password="soleil2026")


def test_profile_password_checks_are_rate_limited(service, family):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    form = {"current_password": "mauvais123", "new_password": "nouveau2027", "new_password_confirm": "nouveau2027"}
    for _ in range(6):
        with pytest.raises(ValidationError):
            service.change_profile(token=token, form=form)
    with pytest.raises(TooManyAttempts):
        service.change_profile(token=token, form={**form, "current_password": "soleil2026"})


# -- regroupement -------------------------------------------------------------
@pytest.fixture
def second_school(service):
    """Philippe MARTIN also has Sarah at a lycée, with another account there."""
    payload = family_payload(uai="0590002B", nom="LYCEE MARGUERITE DE FLANDRE", type_="lycee")
    payload["eleves"] = [{"siecle_eleve_id": "301", "nom": "MARTIN", "prenom": "Sarah",
                          "date_naissance": "2009-02-21", "classe": "2NDE"}]
    payload["personnes"] = [{"siecle_personne_id": "401", "nom": "Martin", "prenom": "Philippe", "civilite": "M."},
                            {"siecle_personne_id": "402", "nom": "BERNARD", "prenom": "Karim", "civilite": "M."}]
    payload["liens"] = [{"siecle_eleve_id": "301", "siecle_personne_id": "401", "niveau_responsabilite": 1},
                        {"siecle_eleve_id": "301", "siecle_personne_id": "402", "niveau_responsabilite": 1}]
    service.import_siecle(payload=payload)
    return letters_by_name(service.issue_letters(uai="0590002B"))


def children_of(service, token):
    return sorted(f"{c['prenom']} {c['nom']}" for c in service.get_session(token=token)["children"])


def test_merging_moves_the_children_and_deletes_the_other_account(service, family, second_school):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    other = second_school["Philippe Martin"]
    # Its provisional password is enough (guide § 2.2.1).
    result = service.merge_accounts(token=token, identifiant=other["identifiant"], password=other["password"])
    assert result == {"merged": other["identifiant"]}
    assert children_of(service, token) == ["Hugo MARTIN", "Léa MARTIN", "Sarah MARTIN"]
    listed = {c["prenom"]: c["responsable"]["nom"] for c in service.account_children(token=token)}
    assert listed == {"Hugo": "MARTIN", "Léa": "MARTIN", "Sarah": "Martin"}
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=other["identifiant"], password=other["password"])
    kinds = [e["kind"] for e in service.audit_log(identifiant=other["identifiant"])]
    assert kinds[0] == "merged_into"


def test_merging_with_a_changed_password_ends_the_other_accounts_sessions(service, family, second_school):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    other_token = activate(service, second_school["Philippe Martin"], "2009-02-21", "lycee2026", "p2@example.org")
    service.merge_accounts(token=token, identifiant=second_school["Philippe Martin"]["identifiant"],
                           password="lycee2026")
    with pytest.raises(SessionExpired):
        service.get_session(token=other_token)


@pytest.mark.parametrize("who, reason", [
    ("Hugo MARTIN", "eleve"), ("Claire MARTIN", "other_person"), ("Philippe MARTIN", "same"),
])
def test_merging_refuses_students_self_and_other_people(service, family, who, reason):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    letter = family[who]
    password = "soleil2026" if who == "Philippe MARTIN" else letter["password"]
    with pytest.raises(MergeRefused) as exc:
        service.merge_accounts(token=token, identifiant=letter["identifiant"], password=password)
    assert exc.value.reason == reason
    assert children_of(service, token) == ["Hugo MARTIN", "Léa MARTIN"]
    service.login(identifiant=letter["identifiant"], password=password)  # still there


def test_merging_with_wrong_credentials_is_limited_like_a_login(service, family, second_school):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    other = second_school["Philippe Martin"]
    for _ in range(6):
        with pytest.raises(InvalidCredentials):
            service.merge_accounts(token=token, identifiant=other["identifiant"], password="mauvais123")
    with pytest.raises(TooManyAttempts):
        service.merge_accounts(token=token, identifiant=other["identifiant"], password=other["password"])
    with pytest.raises(TooManyAttempts):
        service.login(identifiant=other["identifiant"], password=other["password"])


def test_merging_refuses_an_expired_provisional_password(service, family, second_school, clock):
    start = clock.now()
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    clock.move_to(add_months(start, 3) + SECOND)
    token = service.login(identifiant=family["Philippe MARTIN"]["identifiant"], password="soleil2026")["token"]
    other = second_school["Philippe Martin"]
    with pytest.raises(ProvisionalPasswordExpired):
        service.merge_accounts(token=token, identifiant=other["identifiant"], password=other["password"])


def test_merging_refuses_malformed_input(service, family):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    for ident, password, field in [("", "x", "identifiant"), ("p.martin1'; --", "x", "identifiant"),
                                   ("p.martin9", "", "password"), ("p.martin9", "x" * 500, "password")]:
        with pytest.raises(ValidationError) as exc:
            service.merge_accounts(token=token, identifiant=ident, password=password)
        assert field in exc.value.errors


def test_email_change_link_dies_if_the_password_moves_after(service, family):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "ancienne@example.org")
    service.change_profile(token=token, form={
        "current_password": "soleil2026", "email": "nouvelle@example.org", "email_confirm": "nouvelle@example.org"})
    link = link_token(service.mails.last("nouvelle@example.org"))
    done = service.change_profile(token=token, form={
        "current_password": "soleil2026", "new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})
    with pytest.raises(TokenInvalid):
        service.confirm_email(token=link)
    assert service.get_session(token=done["token"])["email"] == "ancienne@example.org"


def test_the_merge_is_confirmed_on_a_second_step_with_a_ticket(service, family, second_school, clock):
    """Issue 13 § 10: "Suivant" checks and says what will happen; nothing is
    merged before the confirmation, which needs no password again."""
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    other = second_school["Philippe Martin"]
    preview = service.preview_merge(token=token, identifiant=other["identifiant"], password=other["password"])
    assert preview["identifiant"] == other["identifiant"]
    assert preview["enfants"] == [{"prenom": "Sarah", "nom": "MARTIN"}]
    assert children_of(service, token) == ["Hugo MARTIN", "Léa MARTIN"]
    # Another guardian cannot use the ticket.
    claire = confirmed_guardian(service, family["Claire MARTIN"], "2014-01-02", "claire@example.org")
    with pytest.raises(TokenInvalid):
        service.merge_accounts(token=claire, ticket=preview["ticket"])
    assert service.merge_accounts(token=token, ticket=preview["ticket"]) == {"merged": other["identifiant"]}
    assert children_of(service, token) == ["Hugo MARTIN", "Léa MARTIN", "Sarah MARTIN"]
    with pytest.raises(TokenInvalid):
        service.merge_accounts(token=token, ticket=preview["ticket"])


def test_a_merge_ticket_lasts_fifteen_minutes(service, family, second_school, clock):
    token = confirmed_guardian(service, family["Philippe MARTIN"], "2014-01-02", "philippe@example.org")
    other = second_school["Philippe Martin"]
    ticket = service.preview_merge(token=token, identifiant=other["identifiant"], password=other["password"])["ticket"]
    clock.advance(timedelta(minutes=15) + SECOND)
    with pytest.raises(TokenExpired):
        service.merge_accounts(token=token, ticket=ticket)
    assert children_of(service, token) == ["Hugo MARTIN", "Léa MARTIN"]
