"""A form whose call got no answer (gateway/rpc.py, gateway/errors.py), with
the RPC layer replaced (tests/gateway/conftest.py): the page never says that
nothing was saved, keeps what was typed, and the same form sent again asks
with the same idempotency key, so the service answers from its record. The
same scenes with real processes frozen: tests/messaging/test_faults.py."""
import pytest

from contract.errors import CommandInProgress, NoAnswer, NotSent, Unavailable

SERVICES = {"accounts": {}, "mailer": {}}
UNKNOWN = "nous ne savons pas encore si votre demande a été enregistrée"
NOTHING_SAVED = "rien n&#39;a été enregistré"


@pytest.fixture
def client(make_app, fake_rpc, watch):
    # The page's hints (password rule, link validity) are accounts' rules;
    # their absence only hides the figures (tests/gateway/test_account_rules.py).
    fake_rpc.answers[("accounts", "rules")] = Unavailable("accounts: no answer in time")
    return make_app(SERVICES).test_client()


def ask(client, identifiant="p.martin42"):
    return client.post("/mot-de-passe-oublie", data={"identifiant": identifiant})


def test_no_answer_says_the_outcome_is_unknown_and_keeps_the_input(client, fake_rpc):
    fake_rpc.answers[("accounts", "forgotten_password")] = NoAnswer("accounts: no answer in time")
    page = ask(client)
    assert page.status_code == 503
    assert UNKNOWN in page.text and NOTHING_SAVED not in page.text
    assert 'value="p.martin42"' in page.text
    # Asked twice (once more after the timeout), with one key.
    assert len(fake_rpc.called("accounts", "forgotten_password")) == 2
    assert len(set(fake_rpc.keys("accounts", "forgotten_password"))) == 1


def test_the_same_form_sent_again_asks_with_the_same_key_and_learns_the_outcome(client, fake_rpc):
    fake_rpc.answers[("accounts", "forgotten_password")] = NoAnswer("accounts: no answer in time")
    ask(client)
    first_key = fake_rpc.keys("accounts", "forgotten_password")[0]
    fake_rpc.answers[("accounts", "forgotten_password")] = None
    page = ask(client)
    assert page.status_code == 200 and "Demande enregistrée" in page.text
    assert fake_rpc.keys("accounts", "forgotten_password")[-1] == first_key
    # Known now: a later request is a new one.
    ask(client)
    assert fake_rpc.keys("accounts", "forgotten_password")[-1] != first_key


def test_other_input_is_another_request_with_its_own_key(client, fake_rpc):
    fake_rpc.answers[("accounts", "forgotten_password")] = NoAnswer("accounts: no answer in time")
    ask(client)
    fake_rpc.answers[("accounts", "forgotten_password")] = None
    ask(client, "c.martin7")
    assert fake_rpc.keys("accounts", "forgotten_password")[-1] != fake_rpc.keys("accounts", "forgotten_password")[0]


def test_a_command_still_running_is_an_unknown_outcome_too(client, fake_rpc):
    fake_rpc.answers[("accounts", "forgotten_password")] = CommandInProgress("accounts.forgotten_password")
    page = ask(client)
    assert page.status_code == 503 and UNKNOWN in page.text


def test_a_request_that_never_left_says_nothing_was_saved(client, fake_rpc):
    fake_rpc.answers[("accounts", "forgotten_password")] = NotSent("accounts: broker unreachable")
    page = ask(client)
    assert page.status_code == 503
    assert NOTHING_SAVED in page.text and UNKNOWN not in page.text
    assert len(fake_rpc.called("accounts", "forgotten_password")) == 1


def test_a_service_not_deployed_is_not_asked_and_its_pages_are_404(make_app, fake_rpc, watch):
    client = make_app(SERVICES).test_client()
    from tests.gateway.viewers import UAI_A, log_in, staff

    fake_rpc.answers[("accounts", "get_etablissement")] = lambda uai: {
        "uai": uai, "nom": "Collège A", "commune": "Paris", "message_accueil": ""}
    log_in(client, fake_rpc, staff(UAI_A))
    page = client.get(f"/admin/etablissement/{UAI_A}/notes")
    assert page.status_code == 404
    assert not [c for c in fake_rpc.calls if c[0] == "notes"]
