"""The home page kept per process under a digest of the session's cached view
entries, the menus and its context (gateway/kept_bodies.py kept_page): each
viewer gets their own page, a change of the view or of the menus shows at
once, a flashed message shows once, and the CSRF token is the session's."""
import re

import pytest
import redis

from services.accounts.view_generations import Generations
from tests.gateway.test_composition import notice, sonde_menus
from tests.gateway.test_view_cache import URL, prefix  # noqa: F401 (the fixture)
from tests.gateway.viewers import UAI_A, UAI_B, child, responsable

SERVICES = {"accounts": {"required": True}, "sonde": {"label": "Sonde", "order": 30}}
TILE = {"service": "sonde", "kind": "note", "count": 2, "text": "2 nouveaux relevés", "path": "/sonde/"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def portal(make_app, fake_rpc, watch, prefix):  # noqa: F811
    """Two guardians of the same child, Hugo, logged in, with the same news: the
    first for the first time, the second has been here before.
    (their clients, the views accounts answers, the counters accounts moves)"""
    views = {
        "jeton-1": {**responsable(child(7, "Hugo", tiles=[TILE])), "previous_login_at": None},
        "jeton-2": {**responsable(child(7, "Hugo", tiles=[TILE]), account_id=2), "identifiant": "c.martin",
                    "previous_login_at": "2026-11-20T18:00:00+00:00"},
    }

    def get_session(token, with_tiles=False):
        view = {**views[token], "session_valid_until": "2099-01-01T00:00:00+00:00", "tiles_valid_until": None}
        view["children"] = [{k: v for k, v in c.items() if with_tiles or k != "tiles"} for c in view["children"]]
        return view

    fake_rpc.answers[("accounts", "get_session")] = get_session
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})
    fake_rpc.answers[("accounts", "logout")] = None
    app = make_app(SERVICES, VIEW_CACHE={"url": URL, "prefix": prefix, "ttl": 30}, WTF_CSRF_ENABLED=True)
    clients = {}
    for token, account in (("jeton-1", 1), ("jeton-2", 2)):
        clients[account] = app.test_client()
        with clients[account].session_transaction() as session:
            session["t"], session["a"] = token, account
    return clients, views, Generations(redis.Redis.from_url(URL), prefix)


def home(client):
    """(the page, whether it was served kept)"""
    response = client.get("/eleve/7/")
    assert response.status_code == 200 and response.content_type == "text/html; charset=utf-8"
    return response.text, 'page;desc="kept"' in response.headers["Server-Timing"]


def test_each_guardian_gets_their_own_page_and_news_shows_at_once(portal):
    clients, views, generations = portal
    first = [home(clients[1]) for _ in range(3)]
    # Asked of accounts, then read from the view cache and kept, then kept.
    assert [kept for _, kept in first] == [False, False, True]
    assert all("Première connexion" in page and "2 nouveaux relevés" in page for page, _ in first)
    second = [home(clients[2]) for _ in range(3)]
    assert second[-1][1]
    for page, _ in second:
        assert "Depuis votre dernière connexion" in page and "2 nouveaux relevés" in page
        assert "Première connexion" not in page

    # News for the first guardian: accounts has it and moves their counter.
    views["jeton-1"]["children"][0]["tiles"] = [{**TILE, "count": 3, "text": "3 nouveaux relevés"}]
    generations.changed(1)
    after = [home(clients[1]) for _ in range(3)]
    assert [kept for _, kept in after] == [False, False, True]
    assert all("3 nouveaux relevés" in page and "2 nouveaux" not in page for page, _ in after)
    # The other guardian's page has not changed.
    assert "2 nouveaux relevés" in home(clients[2])[0]


def test_a_service_closing_leaves_the_kept_page_at_once(portal, fake_rpc, watch):
    clients, _, _ = portal
    pages = [home(clients[1]) for _ in range(3)]
    assert pages[-1][1] and all('data-service="sonde"' in page and "2 nouveaux relevés" in page
                                for page, _ in pages)
    fake_rpc.answers[("sonde", "menus")] = sonde_menus(set())
    notice(watch, "sonde", "opening_changed", {"etablissement_uai": UAI_A, "annee_scolaire": 2026})
    page, _ = home(clients[1])
    assert 'data-service="sonde"' not in page and "nouveaux relevés" not in page


def test_a_flashed_message_shows_once(portal):
    clients, _, _ = portal
    home(clients[1]), home(clients[1])
    with clients[1].session_transaction() as session:
        session["_flashes"] = [("success", "Votre fiche a été transmise.")]
    assert "Votre fiche a été transmise." in home(clients[1])[0]
    page, kept = home(clients[1])
    assert kept and "Votre fiche a été transmise." not in page


def test_a_kept_page_carries_the_sessions_own_csrf_token(portal):
    clients, _, _ = portal
    tokens = {}
    for account in (1, 2):
        page, kept = [home(clients[account]) for _ in range(3)][-1]
        assert kept
        tokens[account] = CSRF.search(page).group(1)
    assert tokens[1] != tokens[2]
    # Each logs out with the token of their own kept page; the other's is refused.
    assert clients[1].post("/deconnexion", data={"csrf_token": tokens[2]}).status_code == 400
    for account in (1, 2):
        assert clients[account].post("/deconnexion", data={"csrf_token": tokens[account]}).status_code == 302


def test_a_service_opening_for_another_child_shows_in_the_phone_menu_at_once(make_app, fake_rpc, watch,
                                                                              prefix):  # noqa: F811
    """Hugo's home page lists, in its ☰ menu for phones, his sister Zoé's
    services too: a service opening at her school changes his page."""
    view = {**responsable(child(101, "Hugo", UAI_A), child(102, "Zoé", UAI_B)),
            "session_valid_until": "2099-01-01T00:00:00+00:00", "tiles_valid_until": None}
    fake_rpc.answers[("accounts", "get_session")] = lambda token, with_tiles=False: view
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})
    client = make_app(SERVICES, VIEW_CACHE={"url": URL, "prefix": prefix, "ttl": 30}).test_client()
    with client.session_transaction() as session:
        session["t"], session["a"] = "jeton", 1
    for _ in range(3):
        response = client.get("/eleve/101/")
    assert 'page;desc="kept"' in response.headers["Server-Timing"]
    assert 'href="/eleve/101/sonde/"' in response.text and 'href="/eleve/102/sonde/"' not in response.text
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A, UAI_B})
    notice(watch, "sonde", "opening_changed", {"etablissement_uai": UAI_B, "annee_scolaire": 2026})
    assert 'href="/eleve/102/sonde/"' in client.get("/eleve/101/").text


@pytest.mark.parametrize("size, kept", [(0, [False] * 4), (1, [False] * 4), (2, [False, False, True, True])])
def test_a_worker_keeps_at_most_kept_pages(make_app, fake_rpc, watch, prefix, size, kept):  # noqa: F811
    """SCOLARITE_KEPT_PAGES: 0 keeps none; 1 keeps the last page drawn, so
    two guardians taking turns find theirs dropped each time; 2 keeps both."""
    fake_rpc.answers[("accounts", "get_session")] = lambda token, with_tiles=False: {
        **responsable(child(7, "Hugo"), account_id=int(token[-1])),
        "session_valid_until": "2099-01-01T00:00:00+00:00", "tiles_valid_until": None}
    fake_rpc.answers[("accounts", "menus")] = lambda children: [{"eleve_id": c["eleve_id"], "menu": None}
                                                                for c in children]
    fake_rpc.answers[("sonde", "menus")] = sonde_menus({UAI_A})
    app = make_app(SERVICES, VIEW_CACHE={"url": URL, "prefix": prefix, "ttl": 30}, KEPT_PAGES=size)
    clients = []
    for account in (1, 2):
        clients.append(app.test_client())
        with clients[-1].session_transaction() as session:
            session["t"], session["a"] = f"jeton-{account}", account
        home(clients[-1])  # asked of accounts, kept in the view cache
    assert [home(client)[1] for client in clients * 2] == kept


def test_the_login_form_is_kept_with_each_visitors_own_token_and_the_current_message(portal, fake_rpc):
    """The login form is the same for every visitor but for the CSRF token
    and the académie's message (kept_page, anonymous)."""
    clients, _, generations = portal
    fake_rpc.answers[("accounts", "login_message")] = {"message": "Bienvenue."}
    fake_rpc.answers[("accounts", "login")] = {
        "token": "jeton-3", "account_id": 3, "must_change_password": False, "must_confirm_email": False}
    visitors = [clients[1].application.test_client() for _ in range(2)]

    def form(client):
        response = client.get("/connexion")
        assert response.status_code == 200
        return response.text, 'page;desc="kept"' in response.headers["Server-Timing"]

    pages = [form(v) for v in visitors]
    assert pages[1][1]  # the second visitor's form was the first one's, kept
    tokens = [re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1) for page, _ in pages]
    assert tokens[0] != tokens[1] and all("Bienvenue." in page for page, _ in pages)
    assert pages[0][0].replace(tokens[0], "") == pages[1][0].replace(tokens[1], "")
    # Each token is its visitor's own: the other's is refused, their own logs in.
    login = {"identifiant": "p.martin", "mot_de_passe": "un mot de passe"}
    assert visitors[0].post("/connexion", data={**login, "csrf_token": tokens[1]}).status_code != 302
    assert fake_rpc.called("accounts", "login") == []
    assert visitors[0].post("/connexion", data={**login, "csrf_token": tokens[0]}).status_code == 302

    # A new message shows at once (accounts moves the message's counter after committing it).
    fake_rpc.answers[("accounts", "login_message")] = {"message": "Maintenance ce soir."}
    generations.login_message_changed()
    page, _ = form(visitors[1])
    assert "Maintenance ce soir." in page and "Bienvenue." not in page
