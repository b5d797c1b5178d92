"""The one provider the fiche needs besides the database and the clock."""
import time

from nameko.extensions import DependencyProvider

from common.settings import service_settings


class TtlCache:
    """Accounts' answers to "who is this viewer for this student", kept a short
    while per process: the link between an account and SIECLE persons changes
    with a SIECLE import or a merge of accounts, not between two pages, and
    asking for it on every call doubled the fiche pages' round trips
    (docs/fiche.md). The gateway checks the viewer's link to the child on
    every request (child_or_404) whatever this cache holds."""

    def __init__(self, ttl: float, size: int = 10_000):
        self.ttl, self.size, self.entries = ttl, size, {}

    def get(self, key, compute):
        now = time.monotonic()
        found = self.entries.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = compute()
        if self.ttl > 0:
            if len(self.entries) >= self.size:
                self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
                if len(self.entries) >= self.size:
                    self.entries.clear()
            self.entries[key] = (now + self.ttl, value)
        return value


class IdentityCache(DependencyProvider):
    def setup(self):
        self.cache = TtlCache(service_settings(self.container).own.identity_ttl)

    def get_dependency(self, worker_ctx):
        return self.cache
