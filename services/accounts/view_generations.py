"""Generations of what the gateway caches of an account (docs/performance.md).

The gateway keeps each session's view (who is logged in, which children they
may see) and each account's home tiles in Redis, tagged with two counters
read before it asked: the account's generation and the global one. This
service increments them, after committing and before answering, whenever
something the view or the tiles show may have changed: a logout, a password
change or reset, a first connection, an address confirmed, a merge, the
purge, an import, a letter run, news about a child. The gateway's next
request for that account reads a different counter and asks again: a
revocation takes effect at once in every gateway worker, with no message to
wait for. Without `SCOLARITE_VIEW_CACHE` the gateway caches nothing and this
does nothing."""
import logging

import redis
from nameko.extensions import DependencyProvider
from sqlalchemy import select, union

from common.settings import service_settings
from services.accounts import importing
from services.accounts.models import Account, Lien, Responsable

log = logging.getLogger(__name__)

KEEP_SECONDS = 86400


def global_key(prefix: str) -> str:
    return f"{prefix}:gen:all"


def account_key(prefix: str, account_id: int) -> str:
    return f"{prefix}:gen:a:{account_id}"


def message_key(prefix: str) -> str:
    return f"{prefix}:gen:message"


class Generations:
    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix

    def _incr(self, keys: list[str], then_read: tuple[str, ...] = ()) -> list | None:
        """Increments `keys`, then reads `then_read`, in one pipeline: the
        increments' results followed by the values read; None without a cache
        or when Redis did not answer."""
        if self.client is None or not (keys or then_read):
            return None
        try:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                # An account quiet for a day needs no counter: entries live
                # 35 s, and a counter read as missing (0) matches none stored before.
                pipe.expire(key, KEEP_SECONDS)
            for key in then_read:
                pipe.get(key)
            results = pipe.execute()
        except redis.RedisError as exc:
            # The gateway's entries then live at most their TTL (docs/security.md).
            log.error("view generations not bumped (%s): cached views live until their TTL", exc)
            return None
        return results[0:2 * len(keys):2] + results[2 * len(keys):]

    def changed(self, *account_ids) -> None:
        """What these accounts' pages show may have changed (or their sessions ended)."""
        self._incr([account_key(self.prefix, a) for a in account_ids if a is not None])

    def login_message_changed(self) -> None:
        """The académie's login message changed: the login pages read it anew."""
        self._incr([message_key(self.prefix)])

    def changed_reading(self, account_id: int) -> list[int] | None:
        """`changed(account_id)`, answering the counters as they stand right
        after it, [global, account's] as the gateway reads them, for an answer
        read from the database after this call (the login's first view). None
        without a cache, or when Redis did not answer (nothing to tag with)."""
        read = self._incr([account_key(self.prefix, account_id)], then_read=(global_key(self.prefix),))
        if read is None:
            return None
        account_generation, global_generation = read
        return [int(global_generation or 0), int(account_generation)]

    def changed_all(self) -> None:
        """Anything may have changed for anyone (imports, letters, the purge, merges)."""
        self._incr([global_key(self.prefix)])

    def children_changed(self, db, eleve_ids) -> None:
        """News about these children: the accounts that see them (the
        student's own, their legal guardians')."""
        if self.client is None or not eleve_ids:
            return
        ids = list(eleve_ids)
        rows = db.execute(union(
            select(Account.id).where(Account.eleve_id.in_(ids)),
            select(Responsable.account_id).join(Lien).where(
                Lien.eleve_id.in_(ids), Lien.niveau_responsabilite == importing.REPRESENTANT_LEGAL,
                Responsable.account_id.is_not(None)))).scalars().all()
        db.rollback()
        self.changed(*rows)


class ViewGenerations(DependencyProvider):
    def setup(self):
        settings = service_settings(self.container).view_cache
        client = None
        if settings is not None:
            client = redis.Redis.from_url(settings["url"], socket_timeout=1, socket_connect_timeout=1)
        self.generations = Generations(client, settings["prefix"] if settings else "")

    def get_dependency(self, worker_ctx):
        return self.generations
