"""What a gateway worker knows about the deployed services between requests:
when it last heard from each one, and their menu entries per child.

One listener thread per worker process (started after the fork, on the first
request) consumes the services' notices from a private queue:
- `alive`: the service answers; one not heard from for ALIVE_WITHIN seconds is
  shown as "momentanément indisponible" without the page waiting on it;
- `opening_changed`: that service's cached entries for the establishment the
  notice names are dropped, so a change made by staff shows on the next page
  and the other establishments' entries stay;
- `menu_changed`: that service's entries are dropped (only the named
  establishment's when the notice names one).
The cache holds at most `max_entries` entries, the least recently used going
first. A lost broker connection drops the whole cache (notices may have been
missed).
The connection keeps AMQP heartbeats, so a broker gone silent (a dropped
network path) is noticed within two of them, the listener reconnects, and
meanwhile no service is called down for want of notices.
"""
import json
import logging
import threading
import time
from collections import OrderedDict

import amqp

from common.rpc_client import connection_params

log = logging.getLogger(__name__)

INVALIDATING = ("opening_changed", "menu_changed")
# One entry per (service, child, viewer role): a worker serving 100 000 families
# would otherwise keep every menu it ever composed.
# The defaults of SCOLARITE_MENU_CACHE_ENTRIES and SCOLARITE_WATCH_HEARTBEAT
# (gateway/settings.py).
MAX_ENTRIES = 20000
# Where the establishment is in a cache key (gateway.composition._cache_key).
_UAI = 2
HEARTBEAT = 10


class ServiceWatch:
    def __init__(self, amqp_uri: str, services: list[str], alive_within: float, cache_ttl: float = 300,
                 max_entries: int = MAX_ENTRIES, heartbeat: int = HEARTBEAT):
        self.params = connection_params(amqp_uri)
        self.services = list(services)
        self.alive_within = alive_within
        self.cache_ttl = cache_ttl
        self.max_entries = max_entries
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self._heard: dict[str, float] = {}
        self._menus: OrderedDict[tuple, tuple[float, dict | None]] = OrderedDict()
        # Bumped at each invalidation, so an answer that was in flight while a
        # notice arrived is not stored over it.
        self._generation: dict[str, int] = {}
        self._listening_since: float | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- the listener -----------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="service-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            conn = None
            try:
                conn = amqp.Connection(connect_timeout=5, heartbeat=self.heartbeat,
                                       client_properties={"connection_name": "gateway service watch"},
                                       **self.params)
                conn.connect()
                channel = conn.channel()
                queue, _, _ = channel.queue_declare(queue="", exclusive=True, auto_delete=True)
                for service in self.services:
                    exchange = f"{service}.events"
                    # Declared exactly as Nameko declares event exchanges.
                    channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
                    for key in ("alive", *INVALIDATING):
                        channel.queue_bind(queue=queue, exchange=exchange, routing_key=key)
                channel.basic_consume(queue=queue, callback=self._on_message, no_ack=True)
                with self._lock:
                    self._listening_since = time.monotonic()
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        pass
                    # Sends ours when due; raises when the broker's stopped.
                    conn.heartbeat_tick()
            except Exception as exc:  # any broker trouble: forget, wait, reconnect
                log.warning("service watch lost its broker connection: %s", exc)
            finally:
                with self._lock:
                    self._listening_since = None
                    self._menus.clear()
                    for service in self.services:
                        self._generation[service] = self._generation.get(service, 0) + 1
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        pass
            self._stop.wait(1)

    def _on_message(self, message) -> None:
        service = message.delivery_info["exchange"].removesuffix(".events")
        key = message.delivery_info["routing_key"]
        payload = {}
        if key in INVALIDATING:
            try:
                payload = json.loads(message.body)
            except ValueError:
                pass
            log.info("%s: %s %s", service, key, payload)
        with self._lock:
            self._heard[service] = time.monotonic()
        if key in INVALIDATING:
            uai = payload.get("etablissement_uai") if isinstance(payload, dict) else None
            self.invalidate(service, uai)

    def invalidate(self, service: str, etablissement_uai: str | None = None) -> None:
        """Drop the service's cached entries: those of one establishment, or all."""
        with self._lock:
            self._generation[service] = self._generation.get(service, 0) + 1
            for cache_key in [k for k in self._menus
                              if k[0] == service and etablissement_uai in (None, k[_UAI])]:
                del self._menus[cache_key]

    # -- what pages ask -----------------------------------------------------
    def heard(self, service: str) -> None:
        """A reply is as good a sign of life as a heartbeat."""
        with self._lock:
            self._heard[service] = time.monotonic()

    def is_down(self, service: str) -> bool:
        """True only when the listener has been listening long enough to have
        heard a heartbeat and has not; unknown means 'ask the service'."""
        now = time.monotonic()
        with self._lock:
            since = self._listening_since
            last = self._heard.get(service)
        if since is None or now - since < self.alive_within:
            return False
        return last is None or now - last > self.alive_within

    def cached_menu(self, key: tuple):
        """(True, entry) when cached and fresh, else (False, None)."""
        with self._lock:
            hit = self._menus.get(key)
            if hit is not None:
                self._menus.move_to_end(key)
        if hit is None or time.monotonic() - hit[0] > self.cache_ttl:
            return False, None
        return True, hit[1]

    def generation(self, service: str) -> int:
        with self._lock:
            return self._generation.get(service, 0)

    def store_menu(self, key: tuple, entry: dict | None, generation: int) -> None:
        with self._lock:
            if self._generation.get(key[0], 0) == generation:
                self._menus[key] = (time.monotonic(), entry)
                self._menus.move_to_end(key)
                while len(self._menus) > self.max_entries:
                    self._menus.popitem(last=False)
