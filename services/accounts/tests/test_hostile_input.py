"""Hostile input at the accounts service's boundary (docs/security.md, issue
12): NUL bytes, control characters, lone surrogates and absurd numbers are
refused with a French message on SQLite and PostgreSQL, and change nothing;
the password rule counts every alphabet's letters; a staff address is an
address; both self-help requests do the same work whatever exists."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from common.errors import ValidationError
from services.accounts.exceptions import InvalidCredentials, TokenInvalid
from services.accounts.models import AuditEvent, Throttle, Token
from services.accounts.passwords import password_problem
from services.accounts.tests.conftest import activate, confirmed_guardian, link_token

HUGE = 99999999999999999999


def stored(service) -> tuple[int, int, int]:
    """What a refused request must not have written: journal lines, throttle counts, tokens."""
    db = service.db
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (AuditEvent, Throttle, Token))


HOSTILE_CALLS = {
    "login, NUL in the identifier": ("login", {"identifiant": "p.martin1\x00", "password": "x"}, "identifiant"),
    "login, lone surrogate in the password": ("login", {"identifiant": "p.martin1", "password": "ab\ud800"},
                                              "password"),
    "journal search, NUL": ("audit_log", {"identifiant": "p.martin1\x00", "uai": "0590001A"}, "identifiant"),
    "forgotten identifier, NUL in the address": ("forgotten_identifier", {"email": "famille\x00@example.org"},
                                                 "email"),
    "forgotten password, NUL in the identifier": ("forgotten_password", {"identifiant": "p.martin1\x00"},
                                                  "identifiant"),
    "letters, absurd student id": ("issue_letters", {"uai": "0590001A", "eleve_ids": [HUGE]}, "eleve_ids"),
    "letters, NUL in the class": ("issue_letters", {"uai": "0590001A", "classe": "5A\x00"}, "classe"),
    "staff account, NUL in the name": ("create_staff_account", {"payload": {
        "role": "operator", "nom": "DUPONT\x00", "prenom": "Jean"}}, "nom"),
}


@pytest.mark.parametrize("method, kwargs, field", HOSTILE_CALLS.values(), ids=list(HOSTILE_CALLS))
def test_hostile_text_and_numbers_are_refused_in_french_and_change_nothing(service, family, method, kwargs, field):
    before = stored(service)
    with pytest.raises(ValidationError) as exc:
        getattr(service, method)(**kwargs)
    service.db.rollback()
    message = " ".join(str(m) for m in exc.value.errors[field]) if isinstance(exc.value.errors[field], list) \
        else str(exc.value.errors[field])
    assert any(word in message for word in ("Caractères non autorisés", "Nombre hors des limites", "invalide")), message
    assert stored(service) == before


@pytest.mark.parametrize("token", ["\x00", "\ud800", "a" * 101, 12])
def test_hostile_link_tokens_are_just_invalid(service, token):
    with pytest.raises(TokenInvalid):
        service.check_reset_token(token=token)
    with pytest.raises(TokenInvalid):
        service.confirm_email(token=token)


# -- the password rule (guide § 2.2: 8 to 14 characters, letters and digits) --
LETTERS = st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo"))
DIGITS = st.characters(categories=("Nd",))


@settings(max_examples=60, deadline=None, database=None)
@given(letters=st.text(LETTERS, min_size=4, max_size=7), digits=st.text(DIGITS, min_size=4, max_size=7),
       split=st.integers(min_value=0, max_value=7))
def test_any_alphabet_s_letters_with_digits_make_a_password(letters, digits, split):
    assert password_problem(letters[:split] + digits + letters[split:]) is None


@settings(max_examples=60, deadline=None, database=None)
@given(password=st.text(st.characters(categories=("Lu", "Ll", "Nd")), min_size=8, max_size=13),
       control=st.characters(categories=("Cc", "Cf")), position=st.integers(min_value=0, max_value=13))
def test_a_control_or_invisible_character_is_refused(password, control, position):
    problem = password_problem(password[:position] + control + password[position:])
    assert problem is not None


@pytest.mark.parametrize("password, accepted", [
    ("αβγδεζη1", True), ("пароль2026", True), ("mötley1crüe", True), ("12345678", False), ("αβγδεζηθ", False),
    ("αβγδεζη", False), ("αβγδεζηθικλμν12", False)])
def test_password_rule_counts_every_alphabet_s_letters(password, accepted):
    assert (password_problem(password) is None) is accepted


def test_a_greek_password_is_chosen_and_opens_the_account(service, family):
    letter = family["Philippe MARTIN"]
    activate(service, letter, "2014-01-02", password="αβγδεζη1", email="philippe@example.org")
    assert service.login(identifiant=letter["identifiant"], password="αβγδεζη1")["token"]
    with pytest.raises(InvalidCredentials):
        service.login(identifiant=letter["identifiant"], password="αβγδεζη2")


# -- staff addresses, checked as the families' ------------------------------
@pytest.mark.parametrize("email", ["jean.dupont@ac-lille.fr\r\nBcc: tous@example.org", "<b>jean</b>@ac-lille.fr",
                                   "jean.dupont", "jean dupont@ac-lille.fr"])
def test_staff_account_refuses_what_is_not_one_plain_address(service, family, email):
    with pytest.raises(ValidationError) as exc:
        service.create_staff_account(payload={"role": "staff", "etablissement_uai": "0590001A",
                                              "fonction": "secretariat", "nom": "DUPONT", "prenom": "Jean",
                                              "email": email})
    service.db.rollback()
    assert exc.value.errors["email"] == ["Adresse électronique invalide."]
    assert service.list_staff() == []


def test_staff_account_keeps_a_plain_address(service, family):
    created = service.create_staff_account(payload={
        "role": "staff", "etablissement_uai": "0590001A", "fonction": "secretariat", "nom": "DUPONT",
        "prenom": "Jean", "email": " jean.dupont@ac-lille.fr "})
    assert service.login(identifiant=created["identifiant"], password=created["password"])


# -- no enumeration: the same work before answering ------------------------
def test_self_help_requests_do_the_same_work_before_answering_whatever_exists(service, family):
    letter = family["Philippe MARTIN"]
    confirmed_guardian(service, letter, "2014-01-02", "philippe@example.org")
    service.recovery_events.deliver = False
    mails, before = len(service.mails), stored(service)

    answers = [service.forgotten_password(identifiant=letter["identifiant"]),
               service.forgotten_password(identifiant="x.inconnu9"),
               service.forgotten_identifier(email="philippe@example.org"),
               service.forgotten_identifier(email="personne@example.org")]

    # The same answer, one event each, the same throttle rows (one per key
    # typed), and no token, journal line or mail before the event is handled.
    assert answers == [None] * 4
    assert [sorted(e) for e in service.recovery_events] == [["client", "requested_at", "typed", "what"]] * 4
    journal, throttle_rows, tokens = stored(service)
    assert (journal, throttle_rows, tokens) == (before[0], before[1] + 4, before[2])
    assert len(service.mails) == mails

    for payload in list(service.recovery_events):
        service.on_recovery_requested(payload)
    assert service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe")
    assert service.mails.last("philippe@example.org", "rappel_identifiant")
    assert len(service.mails) == mails + 2
    assert link_token(service.mails.last("philippe@example.org", "reinitialisation_mot_de_passe"))
