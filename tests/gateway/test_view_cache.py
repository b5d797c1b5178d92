"""The pages' cache of session views (gateway/view_cache.py) against a real
Redis, accounts stood for by FakeRpc and its generations bumped as
services/accounts/view_generations.py bumps them."""
import socket
import uuid

import pytest
import redis

from services.accounts.view_generations import Generations
from tests.gateway.viewers import child, responsable

URL = "redis://127.0.0.1:6379/0"
SERVICES = {"accounts": {"required": True}}
TILE = {"service": "notes", "kind": "note", "count": 2, "text": "2 nouvelles notes", "path": "/notes/"}


def redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def prefix():
    if not redis_running():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(URL)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


def viewer_answer(fake_rpc, tiles=()):
    """accounts' get_session: the view, how long it may be kept."""
    def answer(token, with_tiles=False):
        view = responsable(child(7, "Hugo", tiles=tiles if with_tiles else ()))
        if not with_tiles:
            for c in view["children"]:
                c.pop("tiles")
        return {**view, "session_valid_until": "2099-01-01T00:00:00+00:00",
                **({"tiles_valid_until": None} if with_tiles else {})}
    fake_rpc.answers[("accounts", "get_session")] = answer


def logged_in(make_app, fake_rpc, cache):
    client = make_app(SERVICES, VIEW_CACHE=cache).test_client()
    with client.session_transaction() as session:
        session["t"], session["a"] = "jeton", 1
    fake_rpc.answers[("accounts", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": None} for c in children]
    return client


def asked(fake_rpc) -> int:
    return len(fake_rpc.called("accounts", "get_session"))


def test_pages_ask_accounts_once_then_again_after_each_change_of_the_account(make_app, fake_rpc, watch, prefix):
    cache = {"url": URL, "prefix": prefix, "ttl": 30}
    client = logged_in(make_app, fake_rpc, cache)
    viewer_answer(fake_rpc)
    for _ in range(3):
        assert client.get("/").status_code == 302
    assert asked(fake_rpc) == 1
    Generations(redis.Redis.from_url(URL), prefix).changed(1)
    client.get("/")
    client.get("/")
    assert asked(fake_rpc) == 2
    # Another account's change, nothing; a global one (an import), everyone.
    Generations(redis.Redis.from_url(URL), prefix).changed(2)
    client.get("/")
    assert asked(fake_rpc) == 2
    Generations(redis.Redis.from_url(URL), prefix).changed_all()
    client.get("/")
    assert asked(fake_rpc) == 3


def test_an_answer_that_crossed_a_change_is_never_used(make_app, fake_rpc, watch, prefix):
    cache = {"url": URL, "prefix": prefix, "ttl": 30}
    client = logged_in(make_app, fake_rpc, cache)
    generations = Generations(redis.Redis.from_url(URL), prefix)
    viewer_answer(fake_rpc)
    plain = fake_rpc.answers[("accounts", "get_session")]

    def crossing(**kwargs):
        generations.changed(1)  # a logout committed while this answer travelled
        return plain(**kwargs)

    fake_rpc.answers[("accounts", "get_session")] = crossing
    client.get("/")
    fake_rpc.answers[("accounts", "get_session")] = plain
    client.get("/")
    assert asked(fake_rpc) == 2


def test_tiles_are_cached_with_the_view_and_dropped_with_it(make_app, fake_rpc, watch, prefix):
    cache = {"url": URL, "prefix": prefix, "ttl": 30}
    client = logged_in(make_app, fake_rpc, cache)
    viewer_answer(fake_rpc, tiles=[TILE])
    fake_rpc.answers[("notes", "menus")] = lambda children: [
        {"eleve_id": c["eleve_id"], "menu": {"label": "Notes", "path": "/notes/", "order": 20}} for c in children]
    app_services = {"accounts": {"required": True}, "notes": {"label": "Notes", "order": 20}}
    client = logged_in(lambda services, **cfg: make_app(app_services, **cfg), fake_rpc, cache)
    pages = [client.get("/eleve/7/") for _ in range(2)]
    assert all("2 nouvelles notes" in p.text for p in pages)
    assert asked(fake_rpc) == 1
    viewer_answer(fake_rpc, tiles=[{**TILE, "count": 3, "text": "3 nouvelles notes"}])
    Generations(redis.Redis.from_url(URL), prefix).changed(1)  # news about Hugo
    assert "3 nouvelles notes" in client.get("/eleve/7/").text


def test_without_redis_every_page_asks_accounts_and_works(make_app, fake_rpc, watch):
    client = logged_in(make_app, fake_rpc, {"url": "redis://127.0.0.1:1/0", "prefix": "x", "ttl": 30})
    viewer_answer(fake_rpc)
    assert [client.get("/").status_code for _ in range(2)] == [302, 302]
    assert asked(fake_rpc) == 2
