"""The accounts service's rules as pages show them ("8 caractères minimum...",
"valable 3 mois"): asked with accounts' `rules` RPC, kept per worker for a few
minutes (they change only with a new version of accounts). When accounts does
not answer, a page shows no figure rather than one the gateway made up:
templates test `account_rules()` before using it."""
import threading
import time

from flask import current_app

from contract.errors import Unavailable
from gateway import rpc

KEEP_SECONDS = 600


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.at = None
        self.rules = None


def account_rules() -> dict | None:
    cache = current_app.extensions["account_rules"]
    now = time.monotonic()
    with cache.lock:
        if cache.rules is not None and now - cache.at < KEEP_SECONDS:
            return cache.rules
    try:
        rules = rpc.call("accounts", "rules")
    except Unavailable:
        return cache.rules
    with cache.lock:
        cache.at, cache.rules = now, rules
    return rules


def register(app) -> None:
    app.extensions["account_rules"] = _Cache()
    app.jinja_env.globals["account_rules"] = account_rules
