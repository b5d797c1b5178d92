"""The pages' session views and home tiles, cached in Redis for every gateway
worker and machine (docs/performance.md, docs/security.md).

Every page used to ask accounts "who holds this token?" (and, on a home page,
"what is new for their children?"): a round trip to the busiest process of
the portal. Now a page reads, in one Redis round trip (MGET), the view stored
under the token's SHA-256, the account's tiles, and two generation counters
that the accounts service increments after committing any change the view or
the tiles may show (services/accounts/view_generations.py): a logout, a
password change or reset, the purge, a merge, an import, news about a child.

An entry is used only when
- the counters it was stored with are the counters read now: a revocation
  committed by accounts before this request started is seen by this request,
  in every worker, without waiting for any message;
- it is younger than the TTL bound (SCOLARITE_VIEW_CACHE_TTL, 30 s), and than
  what accounts said it may live: the session's own end (idle or maximum
  duration) and, for tiles, the next news item due to appear by time. Both
  read the shared clock, so a test that moves time expires entries too.
An entry is stored with the counters read *before* asking accounts: were a
change committed meanwhile, the counters moved and the entry is never used.

Redis unreachable: the page asks accounts, as before, and stores nothing.
"""
import hashlib
import json
import logging
import os
import threading
import time
from datetime import datetime

import redis

log = logging.getLogger(__name__)

_lock = threading.Lock()
_clients: dict[tuple, "ViewCache"] = {}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


class Lookup:
    """What one page read: the view (with tiles if asked) on a hit, and the
    counters to store a fresh answer with. `source`, on a hit: the entries
    as stored (bytes), from which the view was read and nothing else."""

    __slots__ = ("view", "generations", "source")

    def __init__(self, view, generations, source=None):
        self.view, self.generations, self.source = view, generations, source


class ViewCache:
    def __init__(self, url: str, prefix: str, ttl: float):
        self.prefix, self.ttl = prefix, ttl
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._warned = 0.0

    def _keys(self, token: str, account_id: int) -> list[str]:
        p = self.prefix
        return [f"{p}:gen:all", f"{p}:gen:a:{account_id}", f"{p}:view:{_token_hash(token)}", f"{p}:tiles:{account_id}"]

    def _trouble(self, exc) -> None:
        now = time.monotonic()
        if now - self._warned > 60:
            self._warned = now
            log.warning("view cache unreachable, pages ask accounts (%s)", exc)

    def lookup(self, token: str, account_id: int, with_tiles: bool, now: float) -> Lookup:
        """`now`: the shared clock's instant, as a timestamp."""
        try:
            g_all, g_acct, view_raw, tiles_raw = self.client.mget(self._keys(token, account_id))
        except redis.RedisError as exc:
            self._trouble(exc)
            return Lookup(None, None)
        generations = [int(g_all or 0), int(g_acct or 0)]
        view = self._valid(view_raw, generations, now)
        if view is None or view["id"] != account_id:
            return Lookup(None, generations)
        if with_tiles:
            tiles = self._valid(tiles_raw, generations, now)
            if tiles is None:
                return Lookup(None, generations)
            by_child = tiles["by_child"]
            view = {**view, "children": [{**c, "tiles": by_child.get(str(c["eleve_id"]), [])}
                                         for c in view["children"]]}
        return Lookup(view, generations, (view_raw, tiles_raw if with_tiles else None))

    @staticmethod
    def _valid(raw, generations, now):
        if raw is None:
            return None
        entry = json.loads(raw)
        # Read by the shared clock: a test that moved time back finds entries
        # stored "in the future" unusable too.
        if entry["g"] != generations or not entry["from"] <= now < entry["until"]:
            return None
        return entry["v"]

    def store(self, token: str, view: dict, with_tiles: bool, generations: list[int] | None, now: float) -> None:
        if generations is None:
            return
        keys = self._keys(token, view["id"])
        until = min(now + self.ttl, _ts(view.get("session_valid_until")) or now)
        if until <= now:
            return
        plain = {**view, "children": [{k: v for k, v in c.items() if k != "tiles"} for c in view["children"]]}
        entries = [(keys[2], {"g": generations, "from": now, "until": until, "v": plain})]
        if with_tiles:
            tiles_until = min(until, _ts(view.get("tiles_valid_until")) or until)
            by_child = {str(c["eleve_id"]): c.get("tiles", []) for c in view["children"]}
            if tiles_until > now:
                entries.append((keys[3], {"g": generations, "from": now, "until": tiles_until,
                                         "v": {"by_child": by_child}}))
        self._set(entries)

    def _set(self, entries: list[tuple[str, dict]]) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, entry in entries:
                # Redis forgets it a little after it stops being usable.
                pipe.set(key, json.dumps(entry, separators=(",", ":")), ex=int(self.ttl) + 5)
            pipe.execute()
        except redis.RedisError as exc:
            self._trouble(exc)

    # -- the académie's login message, by the same rule: a counter that
    # accounts bumps after committing a new message, read with the entry.
    def login_message(self, now: float) -> Lookup:
        """The login page's message (`view`: {"message": …}) when the entry is
        still the one for the current counter, else the counter to store the
        answer of accounts with."""
        p = self.prefix
        try:
            generation, raw = self.client.mget([f"{p}:gen:message", f"{p}:login-message"])
        except redis.RedisError as exc:
            self._trouble(exc)
            return Lookup(None, None)
        generations = [int(generation or 0)]
        return Lookup(self._valid(raw, generations, now), generations)

    def store_login_message(self, answer: dict, generations: list[int] | None, now: float) -> None:
        if generations is None:
            return
        self._set([(f"{self.prefix}:login-message", {"g": generations, "from": now, "until": now + self.ttl,
                                                     "v": answer})])

    def forget(self, token: str) -> None:
        """This browser's session ended here (logout): its entry goes at once."""
        try:
            self.client.delete(f"{self.prefix}:view:{_token_hash(token)}")
        except redis.RedisError as exc:
            self._trouble(exc)


def view_cache(settings: dict | None) -> ViewCache | None:
    """The worker process's cache client (after the fork), or None when not configured."""
    if settings is None:
        return None
    key = (os.getpid(), settings["url"], settings["prefix"], settings["ttl"])
    cache = _clients.get(key)
    if cache is None:
        with _lock:
            cache = _clients.get(key)
            if cache is None:
                cache = _clients[key] = ViewCache(settings["url"], settings["prefix"], settings["ttl"])
    return cache
