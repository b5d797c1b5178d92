"""A standalone RPC client for processes that are not Nameko services (the
gateway, the import CLI, the demo generator, tests, benchmarks).

It speaks Nameko's RPC protocol over one long-lived py-amqp connection, with
the query settings of `common.messaging`: transient requests, publisher
confirms plus `mandatory` so that a service that is not deployed fails at once,
a TTL so that unanswered requests expire, and a private reply queue that dies
with the connection.

One client is NOT thread-safe (the fact sheet shows what sharing one across
threads does to AMQP frames): the gateway keeps one per worker thread
(`gateway/rpc.py`). A client can have several calls in flight (`call_async`),
which is how a page fans out to several services at once.

Per-call context (correlation id, viewer) travels in per-message headers, so
one long-lived client serves every request. Every call also carries an
idempotency key (a new one, or the caller's when it asks a command again):
the resend after a lost confirm or a closed connection uses the same key, so
a command never runs twice (common.idempotency).

The connection keeps AMQP heartbeats (SCOLARITE_RPC_HEARTBEAT seconds): a
call ticks them while it waits, and a call on a connection that sat idle
first reads what the broker sent meanwhile; a connection whose broker went
silent (a dropped network path) is replaced before the request goes out,
instead of the request waiting out its timeout on it. py-amqp's TCP settings
(TCP_USER_TIMEOUT of one second) fail a write on a dead path quickly too.
"""
import json
import os
import socket
import threading
import time
import uuid
from weakref import WeakKeyDictionary

import amqp
from amqp.exceptions import ChannelError, MessageNacked
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import deserialize
from nameko.extensions import DependencyProvider

from contract.errors import ChannelRefused, MessageTooLarge, NoAnswer, NotDeployed, NotSent
from common import metrics
from common.messaging import CONNECTION_ERRORS as _CONNECTION_ERRORS
from common.messaging import RPC_EXCHANGE, TRANSIENT, connection_params  # noqa: F401 (re-exported)
from common.settings import SETTINGS


class Pending:
    """A call in flight; `RpcClient.result(pending)` waits for it."""

    __slots__ = ("service", "method", "correlation_id", "deadline", "body", "error", "idempotency_key",
                 "started", "observed")

    def __init__(self, service, method, correlation_id, deadline, idempotency_key=None):
        self.started = time.monotonic()
        self.observed = False
        self.service = service
        self.method = method
        self.correlation_id = correlation_id
        self.deadline = deadline
        self.idempotency_key = idempotency_key
        self.body = None
        self.error = None

    @property
    def done(self):
        return self.body is not None or self.error is not None


# RabbitMQ refuses larger messages (its max_message_size, 128 MiB by default)
# by closing the channel; a request this large is a mistake: refused before.
# The defaults of SCOLARITE_RPC_MAX_BYTES and SCOLARITE_RPC_HEARTBEAT: the
# processes pass their settings' (common/settings.py).
MAX_BYTES = 16 * 1024 * 1024
HEARTBEAT = 30


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 5.0, client_name: str = "client",
                 heartbeat: int = HEARTBEAT, max_bytes: int = MAX_BYTES):
        self.params = connection_params(amqp_uri)
        self.timeout = timeout
        self.client_name = client_name
        self.heartbeat = heartbeat
        self.max_bytes = max_bytes
        self._last_io = 0.0
        self._conn = None
        self._channel = None
        self._reply_key = None
        self._pending: dict[str, Pending] = {}
        self._returned: set[str] = set()

    # -- connection -----------------------------------------------------
    def _connect(self):
        # Named, so that `rabbitmqctl list_connections name client_properties`
        # shows which process and thread holds each connection.
        name = f"{self.client_name} pid {os.getpid()} {threading.current_thread().name}"
        conn = amqp.Connection(connect_timeout=5, heartbeat=self.heartbeat,
                               client_properties={"connection_name": name}, **self.params)
        conn.connect()
        channel = conn.channel()
        # Declared as Nameko declares it, so that a call on a broker where no
        # service ever started fails as "not deployed", not as a channel error.
        channel.exchange_declare(RPC_EXCHANGE, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        channel.events["basic_return"].add(self._on_return)
        self._reply_key = str(uuid.uuid4())
        queue = f"rpc.reply-{self.client_name}-{self._reply_key}"
        # Exclusive: the queue dies with this connection, so no client leaves
        # a reply queue behind.
        channel.queue_declare(queue=queue, exclusive=True, auto_delete=True)
        channel.queue_bind(queue=queue, exchange=RPC_EXCHANGE, routing_key=self._reply_key)
        channel.basic_consume(queue=queue, callback=self._on_reply, no_ack=True)
        self._conn, self._channel = conn, channel
        self._last_io = time.monotonic()

    def _check_idle_connection(self):
        """Before a request on a connection idle for half a heartbeat: read
        what the broker sent meanwhile (heartbeats, or its closing the
        connection) and fail if it has been silent for two heartbeats."""
        conn = self._conn
        if conn is None or not conn.heartbeat or time.monotonic() - self._last_io < conn.heartbeat / 2:
            return
        try:
            for _ in range(100):
                conn.drain_events(timeout=0)
        except socket.timeout:
            pass
        conn.heartbeat_tick()
        self._last_io = time.monotonic()

    def ensure_connected(self):
        """Opens the connection, or checks the open one (readiness probes)."""
        if self._conn is None:
            self._connect()
        else:
            self._last_io = 0.0
            try:
                self._check_idle_connection()
            except _CONNECTION_ERRORS:
                self._drop_connection()
                self._connect()

    def close(self):
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                # Closing a connection the broker already dropped; nothing to save.
                pass

    def _on_return(self, exc, exchange, routing_key, message):
        cid = message.properties.get("correlation_id")
        if cid:
            self._returned.add(cid)

    def _on_reply(self, message):
        pending = self._pending.pop(message.properties.get("correlation_id"), None)
        if pending is not None:
            pending.body = json.loads(message.body)

    # -- calls ----------------------------------------------------------
    def call_async(self, service: str, method: str, *, timeout: float | None = None,
                   context: dict | None = None, idempotency_key: str | None = None, **kwargs) -> Pending:
        """Sends the request. `idempotency_key`: the key of a command asked
        again (a new one otherwise). Raises MessageTooLarge before sending."""
        timeout = self.timeout if timeout is None else timeout
        cid = str(uuid.uuid4())
        key = idempotency_key or uuid.uuid4().hex
        pending = Pending(service, method, cid, time.monotonic() + timeout, key)
        body = json.dumps({"args": [], "kwargs": kwargs}, default=str).encode()
        if len(body) > self.max_bytes:
            raise MessageTooLarge(service, method, len(body), self.max_bytes)
        headers = {f"nameko.{k}": v for k, v in (context or {}).items() if v is not None}
        headers["nameko.idempotency_key"] = key
        maybe_sent = False
        for attempt in (1, 2):
            try:
                if self._conn is None:
                    self._connect()
                else:
                    self._check_idle_connection()
                self._pending[cid] = pending
                msg = amqp.Message(
                    body,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=TRANSIENT,
                    reply_to=self._reply_key,
                    correlation_id=cid,
                    expiration=str(int(timeout * 1000)),
                    application_headers=headers,
                )
                maybe_sent = True
                self._channel.basic_publish_confirm(
                    msg, exchange=RPC_EXCHANGE, routing_key=f"{service}.{method}",
                    mandatory=True, confirm_timeout=timeout,
                )
                self._last_io = time.monotonic()
                break
            except MessageNacked:
                # The broker could not take it (an internal error, a full queue).
                self._pending.pop(cid, None)
                pending.error = NotSent(f"{service}: request refused by the broker")
                return pending
            except ChannelError as exc:
                # The broker is there and closed the channel on this request
                # (e.g. access refused): not "unreachable", and not retried.
                self._pending.pop(cid, None)
                self._drop_connection()
                pending.error = ChannelRefused(f"{service}.{method}: refused by the broker ({exc})")
                return pending
            except _CONNECTION_ERRORS as exc:
                # A broker restart, a closed connection or a dead path; one fresh
                # try on a new connection, with the same idempotency key: if the
                # first publish did arrive, the command still runs once.
                self._pending.pop(cid, None)
                self._returned.discard(cid)
                self._drop_connection()
                if attempt == 2:
                    # A request that may have gone out may also have run.
                    error = NoAnswer if maybe_sent else NotSent
                    pending.error = error(f"{service}: broker unreachable ({exc})")
                    return pending
        if cid in self._returned:
            self._returned.discard(cid)
            self._pending.pop(cid, None)
            pending.error = NotDeployed(service)
        return pending

    def _drop_connection(self):
        for p in self._pending.values():
            if not p.done:
                p.error = NoAnswer(f"{p.service}: connection lost")
        self._pending.clear()
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                # Not close(): it waits for the broker's answer, which a broken
                # connection never brings.
                conn.collect()
            except Exception:  # already torn down
                pass

    def wait(self, pendings: list[Pending]) -> None:
        """Wait until each call has an answer or passed its deadline."""
        while True:
            waiting = [p for p in pendings if not p.done]
            if not waiting:
                return
            now = time.monotonic()
            for p in waiting:
                if p.deadline <= now:
                    self._pending.pop(p.correlation_id, None)
                    p.error = NoAnswer(f"{p.service}.{p.method}: no answer in time")
            remaining = [p.deadline - now for p in waiting if not p.done]
            if not remaining:
                return
            if self._conn is None:
                for p in waiting:
                    p.error = p.error or NoAnswer(f"{p.service}: connection lost")
                return
            conn = self._conn
            wait_for = min(remaining)
            if conn.heartbeat:
                wait_for = min(wait_for, conn.heartbeat / 2)
            try:
                try:
                    conn.drain_events(timeout=max(wait_for, 0.001))
                except socket.timeout:
                    pass
                # Sends ours when due; raises when the broker's stopped.
                conn.heartbeat_tick()
                self._last_io = time.monotonic()
            except _CONNECTION_ERRORS:
                self._drop_connection()

    def result(self, pending: Pending):
        """The call's result, or its error raised as its type."""
        self.wait([pending])
        error = pending.error
        if error is None and pending.body.get("error"):
            error = deserialize(pending.body["error"])
        _observe(pending, error)
        if error is not None:
            raise error
        return pending.body.get("result")

    def call(self, service: str, method: str, **kwargs):
        return self.result(self.call_async(service, method, **kwargs))

    def gather(self, pendings: list[Pending]) -> list:
        """Results in order; a failed call gives its exception instead of raising."""
        self.wait(pendings)
        out = []
        for p in pendings:
            try:
                out.append(self.result(p))
            except Exception as exc:  # handed to the caller as a value, by design
                out.append(exc)
        return out


def _observe(pending: Pending, error: BaseException | None) -> None:
    """The call's latency and outcome, once (common/metrics.py)."""
    if pending.observed:
        return
    pending.observed = True
    outcome = metrics.outcome_of(error)
    metrics.RPC_CLIENT_SECONDS.labels(pending.service, pending.method, outcome).observe(
        time.monotonic() - pending.started)
    if isinstance(error, (NoAnswer, NotSent)):
        metrics.failure("rpc_no_answer")
    elif outcome == "error":
        metrics.failure("rpc_remote_error")


class ServiceRpc(DependencyProvider):
    """A service's calls to another service, through this client (with its
    timeout, idempotency keys and correlation id) rather than Nameko's
    RpcProxy, which waits forever for an answer that may never come:

        accounts = ServiceRpc("accounts", timeout=30)
        ...
        self.accounts.list_eleves(uai=uai)

    A client is not shared by two workers at once: each worker borrows one
    from the process's idle clients (or opens one) and gives it back."""

    def __init__(self, target: str, timeout: float = 5.0):
        self.target = target
        self.timeout = timeout

    def setup(self):
        self.amqp_uri = self.container.config[AMQP_URI_CONFIG_KEY]
        settings = self.container.config.get(SETTINGS)
        self.heartbeat = settings.rpc_heartbeat if settings is not None else HEARTBEAT
        self.max_bytes = settings.rpc_max_bytes if settings is not None else MAX_BYTES
        self.idle: list[RpcClient] = []
        self.borrowed: WeakKeyDictionary = WeakKeyDictionary()

    def get_dependency(self, worker_ctx):
        client = self.idle.pop() if self.idle else RpcClient(
            self.amqp_uri, timeout=self.timeout, client_name=f"{self.container.service_name}-{self.target}",
            heartbeat=self.heartbeat, max_bytes=self.max_bytes)
        self.borrowed[worker_ctx] = client
        return _ServiceProxy(client, self.target, worker_ctx)

    def worker_teardown(self, worker_ctx):
        client = self.borrowed.pop(worker_ctx, None)
        if client is not None:
            self.idle.append(client)

    def stop(self):
        for client in [*self.idle, *self.borrowed.values()]:
            client.close()
        self.idle.clear()


class _ServiceProxy:
    def __init__(self, client: RpcClient, target: str, worker_ctx):
        self._client, self._target, self._worker_ctx = client, target, worker_ctx

    def __getattr__(self, method: str):
        def call(**kwargs):
            context = {"correlation_id": self._worker_ctx.data.get("correlation_id")}
            return self._client.call(self._target, method, context=context, **kwargs)

        return call
