"""Rate limits as a person meets them, on a platform of their own: low
per-address limits shared by the gateway's workers through Redis (the shared
platform keeps generous limits)."""
import re
import socket
import uuid
from datetime import timedelta

import pytest

from tests.e2e.accounts_support import new_establishment
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

