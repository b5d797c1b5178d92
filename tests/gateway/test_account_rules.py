"""The figures people read about accounts (password length, how long links and
letters stay valid) are the accounts service's words, not the gateway's: with
other rules, the pages say other figures; without an answer, none."""
import pytest

from contract.errors import Unavailable

OTHER_RULES = {
    "password": {"min_length": 10, "max_length": 20,
                 "hint": "10 caractères minimum, 20 caractères maximum, chiffres ET lettres obligatoires",
                 "short": "10 à 20 caractères, chiffres ET lettres"},
    "confirmation_link_validity": "2 mois", "reset_link_validity": "3 jours", "letter_validity": "4 mois",
}


@pytest.fixture
def client(make_app, fake_rpc, watch):
    return make_app().test_client()


def test_pages_say_the_rules_accounts_gives(client, fake_rpc):
    fake_rpc.answers[("accounts", "rules")] = OTHER_RULES

    assert "valable 3 jours" in client.get("/mot-de-passe-oublie").text
    aide = client.get("/aide").text
    assert "valable 4 mois" in aide and "10 à 20 caractères" in aide
    assert "3 mois" not in aide and "8 à 14" not in aide


def test_the_rules_are_asked_once_per_worker(client, fake_rpc):
    fake_rpc.answers[("accounts", "rules")] = OTHER_RULES
    for _ in range(3):
        client.get("/aide")

    assert len(fake_rpc.called("accounts", "rules")) == 1


def test_without_an_answer_from_accounts_a_page_shows_no_figure_and_still_renders(client, fake_rpc):
    fake_rpc.answers[("accounts", "rules")] = Unavailable("no answer in time")

    page = client.get("/aide")
    assert page.status_code == 200
    assert "valable" not in page.text.split("<main", 1)[1] and "caractères" not in page.text.split("<main", 1)[1]
