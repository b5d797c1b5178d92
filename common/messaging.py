"""Delivery settings, chosen per kind of message (ARCHITECTURE rule 5).

| kind | example | delivery | why |
| --- | --- | --- | --- |
| query: RPC request | menus, tiles, pages' data, login | transient, publisher confirm, `mandatory`, per-message TTL equal to the caller's timeout | a lost query is re-asked by the person; confirm plus `mandatory` make a call to a service that is not deployed fail at once; the TTL drops requests nobody is waiting for any more instead of running them when a stopped service comes back |
| query: RPC reply | | transient, no confirm, one long-lived connection per service process | the caller waits on a live connection with a timeout: a lost reply is seen as a slow service, which a confirm could not repair anyway |
| work event | an e-mail to send, a change request, an enrollment | persistent, confirmed, `mandatory`, durable queue shared by the handling service's instances, acknowledged after the handler returned | a person is waiting for it: it must survive a broker or service restart, and an event no queue would keep fails loudly instead of vanishing |
| notice event | "alive", "opening changed", cache invalidation | transient, no confirm, one auto-deleted queue per listening instance | losing one only delays a cache refresh, which also expires by itself |

docs/messaging.md gives the measurements behind these choices. Every service
imports `rpc`, `work_dispatcher`, `notice_dispatcher`, `work_handler` and
`notice_handler` from here, never nameko's defaults.
"""
import inspect
import logging
import socket
import struct
import sys
from functools import partial
from urllib.parse import unquote, urlparse

import amqp
import kombu.serialization
from amqp.exceptions import AMQPError
from kombu import Exchange, Queue
from eventlet.semaphore import Semaphore
from nameko.amqp.publish import Publisher as AmqpPublisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_HEARTBEAT, DEFAULT_TRANSPORT_OPTIONS, HEARTBEAT_CONFIG_KEY,
    LOGIN_METHOD_CONFIG_KEY,
)
from nameko.containers import ServiceContainer
from nameko.containers import _log as _container_log
from nameko.events import BROADCAST, SERVICE_POOL, EventDispatcher, EventHandler, event_handler
from nameko.exceptions import ContainerBeingKilled, IncorrectSignature, UnserializableValueError, serialize
from nameko.extensions import SharedExtension
from nameko.messaging import Consumer, QueueConsumer
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer, get_rpc_exchange

TRANSIENT = 1
PERSISTENT = 2

RPC_EXCHANGE = "nameko-rpc"

CONNECTION_ERRORS = (OSError, AMQPError, socket.timeout)

log = logging.getLogger(__name__)


def connection_params(uri: str, ssl=None, login_method=None) -> dict:
    """py-amqp's connection arguments for an `amqp://` or `amqps://` URI."""
    parsed = urlparse(uri)
    secure = parsed.scheme == "amqps"
    vhost = unquote(parsed.path[1:]) if parsed.path and parsed.path != "/" else "/"
    params = {
        "host": f"{parsed.hostname or '127.0.0.1'}:{parsed.port or (5671 if secure else 5672)}",
        "userid": unquote(parsed.username or "guest"),
        "password": unquote(parsed.password or "guest"),
        "virtual_host": vhost,
    }
    if ssl or secure:
        params["ssl"] = ssl or True
    if login_method:
        params["login_method"] = login_method
    return params


def _shortstr(value: str) -> bytes:
    raw = value.encode()
    return struct.pack(">B", len(raw)) + raw


def _reply_frames(channel_id: int, exchange: bytes, routing_key: str, correlation_id: str | None, body: bytes,
                  content_type: str, content_encoding: str | None) -> bytes:
    """The three AMQP frames of a transient `basic.publish` (method, content
    header, body), as py-amqp writes them, built in one go: py-amqp's generic
    path (a Message, its property table, the argument format) cost about a
    third of the reply's CPU. The body must fit in one frame."""
    # basic.publish (60, 40): reserved short, exchange, routing key, mandatory/immediate bits.
    method = b"\x00\x3c\x00\x28\x00\x00" + exchange + _shortstr(routing_key) + b"\x00"
    flags = 0x8000 | 0x1000  # content-type, delivery-mode
    props = _shortstr(content_type)
    if content_encoding is not None:
        flags |= 0x4000
        props += _shortstr(content_encoding)
    props += struct.pack(">B", TRANSIENT)
    if correlation_id is not None:
        flags |= 0x0400
        props += _shortstr(correlation_id)
    header = struct.pack(">HHQH", 60, 0, len(body), flags) + props
    return b"".join((
        struct.pack(">BHI", 1, channel_id, len(method)), method, b"\xce",
        struct.pack(">BHI", 2, channel_id, len(header)), header, b"\xce",
        struct.pack(">BHI", 3, channel_id, len(body)), body, b"\xce",
    ))


# Room for the method and header frames next to the body in one frame_max.
_FRAMES_OVERHEAD = 1024


class ReplyConnection(SharedExtension):
    """The connection every query reply of this service process goes out on.

    Nameko's own responder builds a publisher, looks a connection up in kombu's
    pool and waits for a publisher confirm for every reply. A reply needs none
    of it: it is transient, and a caller that does not get it times out
    exactly as if the service were slow, which a confirm could not repair.
    Workers take turns on the one channel (a green lock: a frame must never be
    interleaved with another). A green thread reads the connection and keeps
    its heartbeats (the service's HEARTBEAT), so that a close from the broker
    or a dead network path is noticed before the next reply, which then goes
    out on a new connection.
    """

    def setup(self):
        config = self.container.config
        self.params = connection_params(config[AMQP_URI_CONFIG_KEY], ssl=config.get(AMQP_SSL_CONFIG_KEY),
                                        login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        self.exchange = get_rpc_exchange(config).name
        self.exchange_field = _shortstr(self.exchange)
        self.heartbeat = config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT)
        self.lock = Semaphore(1)
        self.connection = self.channel = self.watcher = None

    def _connect(self):
        service = self.container.service_name
        conn = amqp.Connection(connect_timeout=5, heartbeat=self.heartbeat,
                               client_properties={"connection_name": f"{service} replies"}, **self.params)
        try:
            conn.connect()
            channel = conn.channel()
        except Exception:
            conn.collect()
            raise
        self.connection, self.channel = conn, channel
        self.watcher = self.container.spawn_managed_thread(partial(self._watch, conn),
                                                           identifier="reply connection watch")

    def _watch(self, conn):
        """The broker only speaks on this connection for heartbeats and to close it."""
        interval = conn.heartbeat / 2 if conn.heartbeat else None
        try:
            while True:
                try:
                    conn.drain_events(timeout=interval)
                except socket.timeout:
                    pass
                if interval:
                    # Raises when the broker's heartbeats stopped; may send ours.
                    with self.lock:
                        conn.heartbeat_tick()
        except Exception as exc:  # closed by the broker, the network or stop(): forget it
            if self.connection is conn:
                log.warning("%s: reply connection lost (%s)", self.container.service_name, exc)
                self._forget(conn)

    def _forget(self, conn):
        if self.connection is conn:
            self.connection = self.channel = None
        try:
            conn.collect()
        except Exception:  # already torn down
            pass

    def send(self, reply_to: str, correlation_id: str | None, body, content_type: str, content_encoding: str):
        if isinstance(body, str):
            content_encoding = content_encoding or "utf-8"
            body = body.encode(content_encoding)
        with self.lock:
            for attempt in (1, 2):
                conn = self.connection
                try:
                    if conn is None:
                        self._connect()
                        conn = self.connection
                    if len(body) + _FRAMES_OVERHEAD <= conn.frame_max:
                        conn.transport.write(_reply_frames(self.channel.channel_id, self.exchange_field, reply_to,
                                                           correlation_id, body, content_type, content_encoding))
                        conn.bytes_sent += 1  # as py-amqp counts, for its heartbeats
                    else:  # py-amqp splits a large body into several frames
                        message = amqp.Message(body, content_type=content_type, content_encoding=content_encoding,
                                               delivery_mode=TRANSIENT, correlation_id=correlation_id)
                        self.channel.basic_publish(message, exchange=self.exchange, routing_key=reply_to)
                    return
                except CONNECTION_ERRORS as exc:
                    if conn is not None:
                        self._forget(conn)
                    if attempt == 2:
                        # The caller will see this query as unanswered.
                        log.warning("%s: reply to %s lost (%s)", self.container.service_name, reply_to, exc)

    def stop(self):
        conn, watcher = self.connection, self.watcher
        self.connection = self.channel = self.watcher = None
        if watcher is not None:
            # Closing reads the broker's answer: the watcher must not read too.
            watcher.kill()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # the broker already dropped it
                self._forget(conn)

    def kill(self):
        self.stop()


class QueryQueueConsumer(QueueConsumer):
    """Nameko's queue consumer for RPC queues (a connection of its own, as
    Nameko's consumer of event queues has). Nameko starts a green thread for
    each message only to start the worker's green thread from it, so that the
    consumer never waits for a free worker. When a worker is free, starting it
    cannot wait: it is started from here, one green thread per call instead of
    two. When none is free, Nameko's way is kept."""

    def handle_message(self, provider, body, message):
        if self.container._worker_pool.free() > 0:
            provider.handle_message(body, message)
        else:
            super().handle_message(provider, body, message)


class QueryRpcConsumer(RpcConsumer):
    """Nameko's RPC consumer, answering through `ReplyConnection`."""

    queue_consumer = QueryQueueConsumer()
    replies = ReplyConnection()

    def handle_result(self, message, result, exc_info):
        error = serialize(exc_info[1]) if exc_info is not None else None
        # The reply is encoded as the request was; it is serialized once (Nameko
        # checks it, then serializes it again to publish it).
        serializer = kombu.serialization.registry.type_to_name[message.properties["content_type"]]
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:
            # As Nameko does: the caller learns the value could not be sent.
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))
            result = None
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error}, serializer)
        self.replies.send(message.properties["reply_to"], message.properties.get("correlation_id"),
                          body, content_type, encoding)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = QueryRpcConsumer()

    def setup(self):
        super().setup()
        # Nameko re-inspects the method for every call (inspect.getcallargs).
        self.signature = inspect.signature(getattr(self.container.service_cls, self.method_name))

    def check_signature(self, args, kwargs):
        try:
            self.signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc))


rpc = Rpc.decorator


class Container(ServiceContainer):
    """Nameko's service container (`common.runner` runs every service in one).
    Nameko's worker logs five debug lines and times four steps with as many
    context managers on every call, and builds the call-id stack (a uuid4) only
    to format one of those lines, even when debug logging is off: about a tenth
    of a query's CPU in the service. Without debug logging the worker runs the
    same steps in the same order without them; with it, Nameko's own."""

    def _run_worker(self, worker_ctx, handle_result):
        if _container_log.isEnabledFor(logging.DEBUG):
            return super()._run_worker(worker_ctx, handle_result)
        self._inject_dependencies(worker_ctx)
        self._worker_setup(worker_ctx)
        result = exc_info = None
        method = getattr(worker_ctx.service, worker_ctx.entrypoint.method_name)
        try:
            result = method(*worker_ctx.args, **worker_ctx.kwargs)
        except Exception as exc:
            if isinstance(exc, worker_ctx.entrypoint.expected_exceptions):
                _container_log.warning('(expected) error handling worker %s: %s', worker_ctx, exc, exc_info=True)
            else:
                _container_log.exception('error handling worker %s: %s', worker_ctx, exc)
            exc_info = sys.exc_info()
        if handle_result is not None:
            result, exc_info = handle_result(worker_ctx, result, exc_info)
        self._worker_result(worker_ctx, result, exc_info)
        del exc_info
        self._worker_teardown(worker_ctx)


class _OwnOptionsPublisher(AmqpPublisher):
    """Nameko's publisher keeps its transport options in one dict shared by
    every publisher of the process and sets `confirm_publish` in it at each
    publish; kombu reads that dict when a pooled connection (re)connects. A
    notice published without confirms could then turn them off for work
    events. Each publisher here has its own dict."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transport_options = dict(DEFAULT_TRANSPORT_OPTIONS)


class _Dispatcher(EventDispatcher):
    publisher_cls = _OwnOptionsPublisher


# Work events that one service consumes from every other, whoever sends them:
# event type -> the route's exchange. Accounts keeps every service's news, the
# mailer sends every service's mail, and neither names the senders: a sender
# publishes to the route's exchange with the routing key "<sender>.<event
# type>", and the consumer's one durable queue is bound to it for every key.
ROUTES = {"news": "scolarite.news", "mail_requested": "scolarite.mail"}


def route_exchange(event_type: str) -> Exchange:
    return Exchange(ROUTES[event_type], type="topic", durable=True, auto_delete=False)


class _RoutedDispatcher(_Dispatcher):
    """A work dispatcher that sends the routes' event types to their route."""

    def setup(self):
        self.declare.extend(route_exchange(event_type) for event_type in ROUTES)
        super().setup()

    def get_dependency(self, worker_ctx):
        extra_headers = self.get_message_headers(worker_ctx)
        sender = self.container.service_name

        def dispatch(event_type, event_data):
            if event_type in ROUTES:
                exchange, routing_key = route_exchange(event_type), f"{sender}.{event_type}"
            else:
                exchange, routing_key = self.exchange, event_type
            self.publisher.publish(event_data, exchange=exchange, routing_key=routing_key,
                                   extra_headers=extra_headers)

        return dispatch


class _RouteHandler(EventHandler):
    """The consumer's end of a route: one durable queue per consuming service,
    shared by its instances, bound to the route for every sender. The handler
    gets the sender's name as `sender` (from the routing key, which only the
    sender's dispatcher sets)."""

    def __init__(self, event_type, **kwargs):
        super().__init__("*", event_type, handler_type=SERVICE_POOL, reliable_delivery=True,
                         requeue_on_error=True, **kwargs)

    def setup(self):
        self.queue = Queue(f"route-{self.event_type}--{self.container.service_name}.{self.method_name}",
                           exchange=route_exchange(self.event_type), routing_key=f"*.{self.event_type}",
                           durable=True, auto_delete=False, exclusive=False)
        Consumer.setup(self)

    def handle_message(self, body, message):
        sender = message.delivery_info["routing_key"].rsplit(".", 1)[0]
        handle_result = partial(self.handle_result, message)
        try:
            self.container.spawn_worker(self, (body,), {"sender": sender},
                                        context_data=self.unpack_message_headers(message),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)


route_handler = _RouteHandler.decorator


def work_dispatcher() -> EventDispatcher:
    """For events that carry work a person is waiting for: persistent and
    confirmed, and `mandatory`: an event that no queue would keep (its handling
    service has never started on this broker) raises
    nameko.amqp.publish.UndeliverableMessage in the dispatching worker instead
    of being dropped."""
    return _RoutedDispatcher(delivery_mode=PERSISTENT, use_confirms=True, mandatory=True)


def notice_dispatcher() -> EventDispatcher:
    """For events whose loss only delays a refresh."""
    return _Dispatcher(delivery_mode=TRANSIENT, use_confirms=False)


def work_handler(source_service: str, event_type: str):
    """One durable queue shared by all instances of the handling service; the
    message is acknowledged only after the handler returned (so after it
    committed), and requeued if the handler failed."""
    return event_handler(
        source_service, event_type, handler_type=SERVICE_POOL, reliable_delivery=True, requeue_on_error=True
    )


def notice_handler(source_service: str, event_type: str):
    """Every instance hears every notice (a cache per instance); nothing piles up
    while it is stopped."""
    return event_handler(source_service, event_type, handler_type=BROADCAST, reliable_delivery=False)
