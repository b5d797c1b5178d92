"""Asking for an e-mail (common.mail): what a sender's request must hold, and
the right to disconnect."""
from datetime import datetime, timedelta

import pytest

from common.clock import PARIS
from common.errors import ValidationError
from common.mail import dispatch_mail, mail_request, normalize_address, right_to_disconnect_not_before

RESET = {"prenom": "Philippe", "nom": "MARTIN", "identifiant": "pmartin1",
         "lien": "https://scolarite.example/reinitialiser?jeton=abc", "valide_jusqu_au": "2026-12-04T16:30:00+01:00"}


def test_a_checked_request_carries_its_id_and_normalised_values():
    request = mail_request("reinitialisation_mot_de_passe", " Philippe.Martin@Exemple.FR ", RESET,
                           etablissement_uai="0590001A", etablissement_uais=["0590002B", "0590001A"], account_id=7)
    assert request["to"] == "Philippe.Martin@exemple.fr"
    assert len(request["request_id"]) == 32
    assert request["etablissement_uais"] == ["0590001A", "0590002B"]
    assert request["context"]["valide_jusqu_au"] == "2026-12-04T16:30:00+01:00"
    assert mail_request("reinitialisation_mot_de_passe", "p@example.org", RESET, request_id="evt-1")["request_id"] == "evt-1"


@pytest.mark.parametrize("address, expected", [
    ("parent@example.org", "parent@example.org"),
    ("prenom.nom+ecole@sous.domaine.example.fr", "prenom.nom+ecole@sous.domaine.example.fr"),
    ("parent@éducation.example", "parent@xn--ducation-90a.example"),
])
def test_plain_addresses_are_accepted(address, expected):
    assert normalize_address(address) == expected


@pytest.mark.parametrize("address", [
    "", "parent", "parent@example", "parent@example.123", "pa rent@example.org", "parent.@example.org",
    ".parent@example.org", "pa..rent@example.org", "parent@example..org", "pàrent@example.org",
    "parent@example.org\n", "a" * 65 + "@example.org", "parent@" + "a" * 250 + ".org", "\"parent\"@example.org",
])
def test_anything_else_is_refused_in_french(address):
    with pytest.raises(ValueError, match="Adresse électronique invalide."):
        normalize_address(address)


def test_a_missing_or_badly_typed_value_is_refused_before_anything_is_queued():
    sent = []
    with pytest.raises(ValidationError) as refused:
        dispatch_mail(lambda *args: sent.append(args), mail_request(
            "reinitialisation_mot_de_passe", "p@example.org",
            {**RESET, "valide_jusqu_au": "2026-12-04T16:30:00", "identifiant": None, "nom": 3}))
    assert refused.value.errors == {"context": {
        "valide_jusqu_au": ["Date et heure attendues, avec leur fuseau."],
        "identifiant": ["Ce champ est obligatoire."], "nom": ["Texte attendu."]}}
    assert sent == []


def test_a_bad_establishment_code_or_date_is_refused():
    with pytest.raises(ValidationError) as refused:
        mail_request("reinitialisation_mot_de_passe", "p@example.org", RESET, etablissement_uai="59")
    assert refused.value.errors == {"etablissement_uais": {0: ["Code UAI invalide (7 chiffres et une lettre)."]}}


def test_dispatch_hands_one_work_event_to_the_mailer():
    sent = []
    first = mail_request("reinitialisation_mot_de_passe", "p@example.org", RESET)
    second = mail_request("reinitialisation_mot_de_passe", "q@example.org", RESET)
    dispatch_mail(lambda event_type, payload: sent.append((event_type, payload)), first, second)
    assert sent == [("mail_requested", {"messages": [first, second]})]


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize("now, not_before", [
    (paris(2026, 11, 26, 7, 0), None),                       # Thursday 07:00: allowed
    (paris(2026, 11, 26, 19, 59), None),                     # Thursday 19:59: allowed
    (paris(2026, 11, 26, 20, 0), paris(2026, 11, 27, 7, 0)),  # Thursday 20:00: Friday morning
    (paris(2026, 11, 27, 6, 59), paris(2026, 11, 27, 7, 0)),  # Friday before 07:00
    (paris(2026, 11, 27, 20, 30), paris(2026, 11, 30, 7, 0)),  # Friday evening: Monday morning
    (paris(2026, 11, 28, 12, 0), paris(2026, 11, 30, 7, 0)),  # Saturday
    (paris(2026, 11, 29, 23, 0), paris(2026, 11, 30, 7, 0)),  # Sunday night
    (paris(2026, 3, 28, 21, 0), paris(2026, 3, 30, 7, 0)),    # over the change to summer time
])
def test_the_right_to_disconnect_holds_notifications_to_working_hours(now, not_before):
    assert right_to_disconnect_not_before(now) == not_before
    assert right_to_disconnect_not_before(now.astimezone(PARIS) + timedelta(0)) == not_before
