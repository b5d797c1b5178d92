"""Each service process's small HTTP port (SCOLARITE_HEALTH_PORT, 9100 by
default; 0 turns it off) for the orchestrator and Prometheus:

- `/healthz` (liveness): the process and its event loop answer; a process
  whose green threads are stuck answers nothing and is restarted.
- `/readyz` (readiness): its consumers are connected to the broker and its
  database answers `SELECT 1`; 503 with the reason otherwise, so that no new
  work is routed to it while it cannot do it (it is not restarted for that:
  it reconnects by itself).
- `/metrics`: Prometheus (common/metrics.py), plus what the service adds
  (`services/<name>/metrics.py`, e.g. the mailer's outbox depth and age) and,
  for a service that mails, its requests not handed over yet (common/mail_outbox.py).
"""
import importlib
import importlib.util
import json
import logging
import socket
import time
from urllib.parse import urlparse

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from prometheus_client import REGISTRY
from sqlalchemy import text

from common import metrics
from common.config import ROOT
from common.db import make_engine
from common.mail_outbox import KeptMailCollector, MailOutbox

log = logging.getLogger("scolarite.health")


class WorkerMetrics(DependencyProvider):
    """Times every worker of the service (RPC call, event, timer) by
    entrypoint and outcome; counts unexpected errors as failures.
    `common.runner` gives every service one."""

    def setup(self):
        self.started = {}

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        outcome = metrics.outcome_of(exc_info[1] if exc_info else None)
        metrics.WORKER_SECONDS.labels(self.container.service_name, worker_ctx.entrypoint.method_name,
                                      outcome).observe(time.monotonic() - started)
        if outcome == "error":
            metrics.failure("worker_error")


class BrokerWatch:
    """Whether the service's consumers hold a live broker connection: the
    queue consumer's (kombu's) own callbacks say when it is ready and when a
    (re)connection fails; a TCP connect to the broker catches the moment in
    between (connection just lost, not yet retried)."""

    def __init__(self, container, amqp_uri: str):
        self.connected = False
        parsed = urlparse(amqp_uri)
        self.address = (parsed.hostname or "127.0.0.1", parsed.port or 5672)
        consumer = next((ext for ext in container.extensions if isinstance(ext, QueueConsumer)), None)
        if consumer is None:
            # A service that consumes nothing: only the broker's reachability counts.
            self.connected = True
        else:
            self._wrap(consumer)

    def _wrap(self, consumer):
        ready, failed = consumer.on_consume_ready, consumer.on_connection_error

        def on_consume_ready(*args, **kwargs):
            self.connected = True
            return ready(*args, **kwargs)

        def on_connection_error(*args, **kwargs):
            self.connected = False
            return failed(*args, **kwargs)

        consumer.on_consume_ready, consumer.on_connection_error = on_consume_ready, on_connection_error
        # Already connected when this watch starts (started after the runner).
        self.connected = consumer._consumers_ready.ready()

    def problem(self) -> str | None:
        if not self.connected:
            return "broker: consumers not connected"
        try:
            with socket.create_connection(self.address, timeout=1):
                pass
        except OSError as exc:
            self.connected = False
            return f"broker: unreachable ({exc.__class__.__name__})"
        return None


class DatabaseCheck:
    def __init__(self, url: str):
        # Its own small pool: a check must not wait behind the workers' connections.
        self.engine = make_engine(url, pool_size=1, connect_timeout=2)

    def problem(self) -> str | None:
        try:
            with eventlet.Timeout(3):
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
        except (Exception, eventlet.Timeout) as exc:
            return f"database: {exc.__class__.__name__}"
        return None


def service_collectors(service: str, database_url: str | None, clock_file: str | None = None) -> list:
    """What `services/<service>/metrics.py` adds to /metrics (its `collectors(url, clock_file)`)."""
    if importlib.util.find_spec(f"services.{service}") is None:
        return []
    if importlib.util.find_spec(f"services.{service}.metrics") is None:
        return []
    return list(importlib.import_module(f"services.{service}.metrics").collectors(database_url, clock_file))


class HealthServer:
    def __init__(self, service: str, port: int, checks: list):
        self.service, self.port, self.checks = service, port, checks
        self.socket = None
        self.thread = None

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return self._json(start_response, 200, {"status": "ok", "service": self.service})
        if path == "/readyz":
            problems = [p for p in (check.problem() for check in self.checks) if p]
            if problems:
                return self._json(start_response, 503, {"status": "not ready", "service": self.service,
                                                        "problems": problems})
            return self._json(start_response, 200, {"status": "ready", "service": self.service})
        if path == "/metrics":
            body, content_type = metrics.exposition(REGISTRY)
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        return self._json(start_response, 404, {"status": "not found"})

    @staticmethod
    def _json(start_response, status, data):
        body = json.dumps(data).encode()
        reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
        return [body]

    def start(self) -> "HealthServer":
        self.socket = eventlet.listen(("0.0.0.0", self.port))
        self.port = self.socket.getsockname()[1]
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.socket, self.app, log_output=False,
                                     log=logging.getLogger("scolarite.health.http"))
        log.info("health, readiness and metrics on port %s", self.port)
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.kill()
        if self.socket is not None:
            self.socket.close()


def start_health_server(runner, service: str, config: dict, port: int | None) -> HealthServer | None:
    if port is None:
        return None
    container = next(iter(runner.service_map.values()))
    checks = [BrokerWatch(container, config["AMQP_URI"])]
    url = config.get("DATABASE_URL")
    has_db = bool(url) and (ROOT / "services" / service / "migrations").exists()
    if has_db:
        checks.append(DatabaseCheck(url))
    settings = config.get("SETTINGS")
    clock_file = settings.clock_file if settings is not None else None
    for collector in service_collectors(service, url if has_db else None, clock_file):
        REGISTRY.register(collector)
    if has_db and issubclass(container.service_cls, MailOutbox):
        REGISTRY.register(KeptMailCollector(url, clock_file))
    try:
        return HealthServer(service, port, checks).start()
    except OSError as exc:
        # Another process holds the port (two services started by hand on one
        # machine): the service still runs; its probes will say it has none.
        log.error("health port %s unavailable (%s): no /healthz, /readyz or /metrics", port, exc)
        return None
