"""Rate limits as a person meets them, and the daily purge, on a platform of
their own: low per-address limits shared by the gateway's workers through
Redis, and the purge's timer ticking every second (the shared platform keeps
generous limits and runs the purge only when asked)."""
import re
import socket
import time
import uuid
from datetime import timedelta

import pytest

from tests.e2e.accounts_support import first_connection, new_establishment
from tests.helpers import WebUser, text_of

REDIS = ("127.0.0.1", 6379)


def redis_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    from tests.fixtures import Platform

    if not redis_running():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (tools/ensure-services.sh redis)")
    services = {"accounts": {"required": True}}
    platform = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("limits"), services, env={
        "SCOLARITE_RATELIMIT_LOGIN": "60 per minute",
        "SCOLARITE_RATELIMIT_RECOVERY": "3 per minute",
        "SCOLARITE_RATELIMIT_STORAGE": f"redis://{REDIS[0]}:{REDIS[1]}",
        "SCOLARITE_RATELIMIT_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "SCOLARITE_JOBS_CHECK_SECONDS": "1",
    })
    platform.start(services)
    yield platform
    platform.stop()


def test_wrong_passwords_for_one_identifier_get_a_growing_delay_in_french(site):
    letter = new_establishment(site)["letters"]["Paul DURAND"]
    messages = [text_of(WebUser(site.base_url).login(letter["identifiant"], "mauvais123").text) for _ in range(6)]
    assert all("Identifiant ou mot de passe incorrect." in m for m in messages)
    # Even the right password waits now; the message says how long.
    page = WebUser(site.base_url).login(letter["identifiant"], letter["password"])
    assert "Trop de tentatives infructueuses. Par sécurité, réessayez dans 1 minute." in text_of(page.text)
    site.clock.advance(timedelta(minutes=1, seconds=1))
    WebUser(site.base_url).login(letter["identifiant"], "mauvais123")  # the 7th failure: 2 minutes
    page = WebUser(site.base_url).login(letter["identifiant"], letter["password"])
    assert "réessayez dans 2 minutes." in text_of(page.text)
    site.clock.advance(timedelta(minutes=2, seconds=1))
    assert WebUser(site.base_url).login(letter["identifiant"], letter["password"]).url.endswith("/premiere-connexion")


def test_one_client_address_is_limited_across_the_gateway_workers(site):
    # Redis holds one count for both gunicorn workers: exactly the 4th request
    # of the minute is refused, whichever worker answers it.
    answers = [WebUser(site.base_url).post_form("/mot-de-passe-oublie", {"identifiant": f"x.inconnu{i}"})
               for i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    # The same form, the identifier as typed, when to retry, in French and in Retry-After.
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert re.search(r"Trop de tentatives depuis votre connexion\. Réessayez dans (\d+ secondes?|[12] minutes?)\.",
                     text_of(refused.text)), text_of(refused.text)[:500]
    assert 'value="x.inconnu3"' in refused.text



def test_purge_runs_by_itself_each_day_and_a_new_letter_brings_the_account_back(site):
    school = new_establishment(site)
    zoe, paul = school["letters"]["Zoé DURAND"], school["letters"]["Paul DURAND"]
    first_connection(site, zoe, "2013-06-30")
    try:
        site.clock.advance(timedelta(days=91))
        rpc = site.rpc()
        try:
            # Nobody calls the purge: the service's timer notices a new day has come.
            deadline = time.monotonic() + 30
            while not (journal := rpc.call("accounts", "audit_log", identifiant=paul["identifiant"])) \
                    or journal[0]["kind"] != "purged":
                assert time.monotonic() < deadline, "the daily purge did not run"
                time.sleep(0.5)
            assert journal[0]["detail"] == "non activé dans les 90 jours"
            page = WebUser(site.base_url).login(paul["identifiant"], paul["password"])
            assert "Identifiant ou mot de passe incorrect." in text_of(page.text)
            # Zoé activated her account: it stays (unused for 91 days only).
            assert "La scolarité de" in text_of(WebUser(site.base_url).login(zoe["identifiant"], "soleil2026").text)
            fresh = {f"{l['prenom']} {l['nom']}": l for l in rpc.call(
                "accounts", "issue_letters", uai=school["uai"], only_new=True)}
        finally:
            rpc.close()
        assert "Zoé DURAND" not in fresh
        again = fresh["Paul DURAND"]
        assert WebUser(site.base_url).login(again["identifiant"], again["password"]).url.endswith("/premiere-connexion")
    finally:
        site.clock.set_offset(0)
