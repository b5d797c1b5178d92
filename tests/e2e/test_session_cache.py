"""Issue 11: pages read the session's view and the home tiles from the shared
cache (gateway/view_cache.py), and a revocation still ends a session at once.

A platform of its own, on PostgreSQL (E2E_BACKENDS), with the view cache on and its TTL
bound set to 10 minutes: a page that still shows a revoked session or old
tiles would do so for minutes, so every assertion below fails if a
revocation or a news item does not reach the cache through the generations.
The gateway runs under gunicorn with 2 workers, as `make run` starts it; the
cache is shared by both, and each page first reads the generations."""
import re
import socket
import time
import uuid
from datetime import timedelta
from html import unescape

import pytest

from tests.e2e.accounts_support import (
    confirmed_guardian, first_connection, link_in, new_establishment, wait_for_mail,
)
from tests.fixtures import E2E_BACKENDS
from tests.helpers import WebUser, staff_web_user, text_of

REDIS = ("127.0.0.1", 6379)
SERVICES = {"accounts": {"required": True}, "mailer": {"required": True},
            "probe2": {"label": "Sonde ouverte", "order": 40}}


def redis_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=E2E_BACKENDS)
def site(request, vhosts, databases, tmp_path_factory):
    from tests.fixtures import Platform

    if not redis_running():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (tools/ensure-services.sh redis)")
    p = Platform(vhosts, databases, request.param, tmp_path_factory.mktemp(f"cache-{request.param}"), SERVICES,
                 env={"SCOLARITE_VIEW_CACHE": f"redis://{REDIS[0]}:{REDIS[1]}/0",
                      "SCOLARITE_VIEW_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
                      "SCOLARITE_VIEW_CACHE_TTL": "600"})
    p.cluster.env["PROBE2_DATABASE_URL"] = f"sqlite:///{p.tmp / 'probe2.db'}"
    p.cluster.service("tests.e2e.probe:AlwaysOpenProbe", service_name="probe2")
    p.start(["accounts", "mailer"])
    yield p
    p.stop()


def session_from(response) -> str | None:
    found = re.search(r'session;desc="(\w+)"', response.headers.get("Server-Timing", ""))
    return found.group(1) if found else None


def cached_page(user: WebUser, path: str):
    """`path` served from the cache: the first load may ask accounts (and fill
    the cache), the next ones must not."""
    pages = [user.get(path) for _ in range(3)]
    assert all(p.status_code == 200 for p in pages), [p.status_code for p in pages]
    assert [session_from(p) for p in pages[1:]] == ["cache", "cache"], [session_from(p) for p in pages]
    return pages[-1]


def same_cookie(site, user: WebUser) -> WebUser:
    """Another browser holding the very same session cookie."""
    other = WebUser(site.base_url)
    other.http.cookies.update(user.http.cookies)
    return other


def refused(user: WebUser, path: str) -> bool:
    """The next request with this cookie is sent to the login page."""
    page = user.get(path, allow_redirects=False)
    return page.status_code == 302 and "/connexion" in page.headers["Location"]


def guardian(site, email_tag: str):
    school = new_establishment(site)
    letter = school["letters"]["Philippe MARTIN"]
    address = f"{email_tag}-{school['uai']}@example.org"
    return letter, address, confirmed_guardian(site, letter, "2014-01-02", address)


def test_logout_in_one_browser_refuses_the_same_cookie_in_another_on_its_next_request(site):
    _letter, _address, a = guardian(site, "logout")
    b = same_cookie(site, a)
    cached_page(b, "/compte/")
    a.logout()
    assert refused(b, "/compte/")
    assert refused(b, "/")


def test_a_password_change_ends_every_other_session_at_once(site):
    letter, _address, a = guardian(site, "change")
    other = WebUser(site.base_url)
    other.login(letter["identifiant"], "soleil2026")
    cached_page(other, "/compte/")
    cached_page(a, "/compte/")
    page = a.post_form("/compte/", {"current_password": "soleil2026", "new_password": "nouveau2027",
                                    "new_password_confirm": "nouveau2027"})
    assert "Votre mot de passe a été modifié" in text_of(page.text)
    assert refused(other, "/compte/")
    # This browser goes on, with its new session.
    assert "La scolarité d" in text_of(a.get("/").text)


def test_a_reset_link_used_ends_every_session_at_once(site):
    letter, address, a = guardian(site, "reset")
    cached_page(a, "/compte/")
    WebUser(site.base_url).post_form("/mot-de-passe-oublie", {"identifiant": letter["identifiant"]})
    reset = link_in(wait_for_mail(site, address, 2), "/mot-de-passe-oublie/")
    page = WebUser(site.base_url).post_form(reset.replace(site.base_url, ""), {
        "new_password": "nouveau2027", "new_password_confirm": "nouveau2027"})
    assert "Votre mot de passe a été modifié" in text_of(page.text)
    assert refused(a, "/compte/")


def test_the_purge_ends_the_purged_accounts_session_at_once(site):
    school = new_establishment(site)
    letter = school["letters"]["Philippe MARTIN"]
    # Past the first connection, the address never confirmed.
    first_connection(site, letter, "2014-01-02", "soleil2026", f"purge-{school['uai']}@example.org")
    try:
        site.clock.advance(timedelta(days=91))
        user = WebUser(site.base_url)
        page = user.login(letter["identifiant"], "soleil2026")
        assert page.url.endswith("/verification-courriel")
        cached_page(user, "/verification-courriel")
        rpc = site.rpc()
        try:
            report = rpc.call("accounts", "run_daily_jobs")
        finally:
            rpc.close()
        assert report["non_confirme"] >= 1
        assert refused(user, "/verification-courriel")
    finally:
        site.clock.set_offset(0)


def announce_and_see(site, user: WebUser, eleve_id: int) -> None:
    """The probe announces one item about the child; it travels to accounts
    asynchronously: waits until `user`'s home page of the child shows it."""
    rpc = site.rpc()
    try:
        rpc.call("probe2", "announce", eleve_id=eleve_id, email=f"sonde-{uuid.uuid4().hex[:8]}@example.org")
    finally:
        rpc.close()
    deadline = time.monotonic() + 20
    while "1 annonce de la sonde" not in text_of(user.get(f"/eleve/{eleve_id}/").text):
        assert time.monotonic() < deadline, "the news never reached the home page"
        time.sleep(0.2)


def test_a_news_item_shows_on_the_cached_home_page_as_soon_as_accounts_has_it(site):
    _letter, _address, user = guardian(site, "tiles")
    eleve_id = int(re.search(r"/eleve/(\d+)/", user.get("/").url).group(1))
    home = f"/eleve/{eleve_id}/"
    assert "1 annonce de la sonde" not in text_of(cached_page(user, home).text)
    # The cache (TTL 10 minutes here) must not hold the news back once accounts has stored it.
    announce_and_see(site, user, eleve_id)
    # And it is cached again, tile included.
    assert "1 annonce de la sonde" in text_of(cached_page(user, home).text)


def test_the_first_pages_after_a_login_come_with_it_and_show_what_is_new_since_the_previous_one(site):
    """The login's answer carries the view and tiles (services/accounts/
    service.py, `login`): `/` and the child's home page right after it ask
    accounts nothing, and still count the news from the previous connection."""
    letter, _address, user = guardian(site, "first")
    eleve_id = int(re.search(r"/eleve/(\d+)/", user.get("/").url).group(1))
    announce_and_see(site, user, eleve_id)
    again = WebUser(site.base_url)
    landing = again.post_form("/connexion", {"identifiant": letter["identifiant"], "mot_de_passe": "soleil2026"},
                              allow_redirects=False)
    # Straight to the child's home page (where `/` leads), not through `/`.
    assert landing.status_code == 302 and landing.headers["Location"] == f"/eleve/{eleve_id}/"
    root = again.get("/", allow_redirects=False)
    home = again.get(f"/eleve/{eleve_id}/")
    assert [session_from(root), session_from(home)] == ["cache", "cache"]
    # The previous connection is the one above: the news came after it.
    assert "1 annonce de la sonde" in text_of(home.text)


def test_a_new_login_message_shows_on_the_very_next_login_page(site):
    admin = staff_web_user(site, {"role": "operator", "nom": "RECTORAT", "prenom": "Odile"}, "rectorat2026")
    for message in (f"Maintenance le {uuid.uuid4().hex[:6]}.", f"Réouverture le {uuid.uuid4().hex[:6]}."):
        # The login page (its message kept 10 minutes in this module) read twice first.
        for _ in range(2):
            assert WebUser(site.base_url).get("/connexion").status_code == 200
        page = admin.http.post(f"{site.base_url}/admin/message-connexion", timeout=30, data={
            "csrf_token": unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                                             admin.get("/admin/").text).group(1)),
            "message": message})
        assert "Le message d'accueil de la page de connexion est enregistré." in text_of(page.text)
        assert message in text_of(WebUser(site.base_url).get("/connexion").text)
