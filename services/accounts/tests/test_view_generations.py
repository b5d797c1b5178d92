"""The counters the gateway's view cache is tagged with
(services/accounts/view_generations.py), in the Redis the tests run: a change
that ends or alters what an account's pages show moves a counter, after its
commit, so that no gateway worker uses a view read before it."""
from datetime import timedelta

from common import news
from services.accounts.tests.conftest import activate
from services.accounts.view_generations import account_key, global_key
from tests.helpers import family_payload


def counter(service, key) -> int:
    return int(service.views.client.get(key) or 0)


def of_account(service, account_id) -> int:
    return counter(service, account_key(service.views.prefix, account_id))


def test_the_login_answers_its_first_view_tagged_with_the_counters_as_they_stand(service, family):
    token = activate(service, family["Hugo MARTIN"], "2012-04-04")
    account_id = service.get_session(token=token)["id"]
    result = service.login(identifiant=family["Hugo MARTIN"]["identifiant"], password="soleil2026")
    assert result["generations"] == [counter(service, global_key(service.views.prefix)), of_account(service, account_id)]
    assert [c["prenom"] for c in result["view"]["children"]] == ["Hugo"]


def test_a_logout_news_and_an_import_move_the_counters_of_those_they_concern(service, family, clock):
    hugo = activate(service, family["Hugo MARTIN"], "2012-04-04")
    zoe = activate(service, family["Zoé DURAND"], "2013-06-30")
    hugo_view, zoe_view = service.get_session(token=hugo), service.get_session(token=zoe)
    hugo_id, zoe_id = hugo_view["id"], zoe_view["id"]

    before = of_account(service, hugo_id), of_account(service, zoe_id)
    service.logout(token=hugo)
    assert (of_account(service, hugo_id), of_account(service, zoe_id)) == (before[0] + 1, before[1])

    before = of_account(service, hugo_id), of_account(service, zoe_id)
    item = news.item("g1", zoe_view["children"][0]["eleve_id"], "note", clock.now() - timedelta(hours=1))
    for payload in news.events("notes", {"note": {"one": "1 nouvelle note", "many": "{n} nouvelles notes",
                                                  "path": "/notes/"}}, [item]):
        service.on_news(payload, "notes")
    assert (of_account(service, hugo_id), of_account(service, zoe_id)) == (before[0], before[1] + 1)

    everyone = counter(service, global_key(service.views.prefix))
    service.import_siecle(payload=family_payload())
    assert counter(service, global_key(service.views.prefix)) == everyone + 1
