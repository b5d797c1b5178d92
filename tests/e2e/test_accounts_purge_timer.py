"""The daily purge as nobody calls it: on a platform of its own whose accounts
service looks every second whether today's jobs ran (the shared platform runs
them only when a test asks). No Redis: the gateway's limits stay in memory."""
import time
from datetime import timedelta

import pytest

from tests.e2e.accounts_support import first_connection, new_establishment
from tests.helpers import WebUser, text_of


@pytest.fixture(scope="module")
def site(vhosts, databases, tmp_path_factory):
    from tests.fixtures import Platform

    services = {"accounts": {"required": True}}
    platform = Platform(vhosts, databases, "sqlite", tmp_path_factory.mktemp("purge-timer"), services,
                        env={"SCOLARITE_JOBS_CHECK_SECONDS": "1"})
    platform.start(services)
    yield platform
    platform.stop()


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
            # Purged, yet whoever holds the letter still learns why it no longer opens (issue 13 § 8).
            assert "Votre mot de passe provisoire n'est plus valable" in text_of(page.text)
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
