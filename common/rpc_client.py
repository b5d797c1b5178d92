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
one long-lived client serves every request.
"""
import json
import os
import socket
import threading
import time
import uuid

import amqp
from amqp.exceptions import MessageNacked
from nameko.exceptions import deserialize

from common.errors import NotDeployed, Unavailable
from common.messaging import CONNECTION_ERRORS as _CONNECTION_ERRORS
from common.messaging import RPC_EXCHANGE, TRANSIENT, connection_params  # noqa: F401 (re-exported)


class Pending:
    """A call in flight; `RpcClient.result(pending)` waits for it."""

    __slots__ = ("service", "method", "correlation_id", "deadline", "body", "error")

    def __init__(self, service, method, correlation_id, deadline):
        self.service = service
        self.method = method
        self.correlation_id = correlation_id
        self.deadline = deadline
        self.body = None
        self.error = None

    @property
    def done(self):
        return self.body is not None or self.error is not None


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 5.0, client_name: str = "client"):
        self.params = connection_params(amqp_uri)
        self.timeout = timeout
        self.client_name = client_name
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
        conn = amqp.Connection(connect_timeout=5, heartbeat=0, client_properties={"connection_name": name},
                               **self.params)
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
                   context: dict | None = None, **kwargs) -> Pending:
        timeout = self.timeout if timeout is None else timeout
        cid = str(uuid.uuid4())
        pending = Pending(service, method, cid, time.monotonic() + timeout)
        body = json.dumps({"args": [], "kwargs": kwargs}, default=str)
        headers = {f"nameko.{k}": v for k, v in (context or {}).items() if v is not None}
        for attempt in (1, 2):
            try:
                if self._conn is None:
                    self._connect()
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
                self._channel.basic_publish_confirm(
                    msg, exchange=RPC_EXCHANGE, routing_key=f"{service}.{method}",
                    mandatory=True, confirm_timeout=timeout,
                )
                break
            except MessageNacked:
                # The broker could not take it (an internal error, a full queue).
                self._pending.pop(cid, None)
                pending.error = Unavailable(f"{service}: request refused by the broker")
                return pending
            except _CONNECTION_ERRORS as exc:
                # A broker restart or a closed connection; one fresh try on a new
                # connection, then give up. This call is not lost with the others.
                self._pending.pop(cid, None)
                self._returned.discard(cid)
                self._drop_connection()
                if attempt == 2:
                    pending.error = Unavailable(f"{service}: broker unreachable ({exc})")
                    return pending
        if cid in self._returned:
            self._returned.discard(cid)
            self._pending.pop(cid, None)
            pending.error = NotDeployed(service)
        return pending

    def _drop_connection(self):
        for p in self._pending.values():
            if not p.done:
                p.error = Unavailable(f"{p.service}: connection lost")
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
                    p.error = Unavailable(f"{p.service}.{p.method}: no answer in time")
            remaining = [p.deadline - now for p in waiting if not p.done]
            if not remaining:
                return
            if self._conn is None:
                for p in waiting:
                    p.error = p.error or Unavailable(f"{p.service}: connection lost")
                return
            try:
                self._conn.drain_events(timeout=max(min(remaining), 0.001))
            except socket.timeout:
                continue
            except _CONNECTION_ERRORS:
                self._drop_connection()

    def result(self, pending: Pending):
        """The call's result, or its error raised as its type."""
        self.wait([pending])
        if pending.error is not None:
            raise pending.error
        if pending.body.get("error"):
            raise deserialize(pending.body["error"])
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
