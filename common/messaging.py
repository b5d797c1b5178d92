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
from contextvars import ContextVar
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
from nameko.events import BROADCAST, SERVICE_POOL, EventDispatcher, EventHandler, event_handler
from nameko.exceptions import ContainerBeingKilled, IncorrectSignature, UnserializableValueError, serialize
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import Consumer
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer, get_rpc_exchange

from common.logs import correlation_id
from contract.errors import StorageUnavailable

TRANSIENT = 1
PERSISTENT = 2

RPC_EXCHANGE = "nameko-rpc"

CONNECTION_ERRORS = (OSError, AMQPError, socket.timeout)

log = logging.getLogger(__name__)

# The idempotency key of the command a worker runs (common.idempotency).
idempotency_key: ContextVar[str | None] = ContextVar("idempotency_key", default=None)


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
        message = amqp.Message(body, content_type=content_type, content_encoding=content_encoding,
                               delivery_mode=TRANSIENT, correlation_id=correlation_id)
        with self.lock:
            for attempt in (1, 2):
                conn = self.connection
                try:
                    if conn is None:
                        self._connect()
                        conn = self.connection
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


def apply_queue_type(queue: Queue, config: dict) -> Queue:
    """Declares a durable, shared queue as a quorum queue when the deployment
    says so (QUEUE_TYPE, SCOLARITE_QUEUE_TYPE): on a RabbitMQ cluster its
    messages are then kept by a majority of the nodes, and survive the loss of
    one. Queues that die with their consumer (auto-deleted, exclusive: the
    notices' per-instance queues, the RPC reply queues) stay classic, as
    quorum queues cannot be either. A queue keeps the type it was first
    declared with: docs/operations.md says how to switch."""
    if config.get("QUEUE_TYPE") == "quorum" and queue.durable and not queue.auto_delete and not queue.exclusive:
        queue.queue_arguments = {**(queue.queue_arguments or {}), "x-queue-type": "quorum"}
    return queue


def _database_unreachable(exc: BaseException) -> bool:
    """A failure to reach the service's own database (refused, dropped, timed
    out), as SQLAlchemy reports it, not an error in the query itself."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError)


def settle(message, how, service: str) -> None:
    """Acknowledges or requeues a message (`how`: the queue consumer's
    `ack_message` or `requeue_message`). Nameko guards them against amqp's own
    ConnectionError only: a socket reset, when the broker restarts as a worker
    ends, raised out of the worker and killed the whole container, leaving the
    process alive and deaf. The broker takes back a message it never saw
    settled and delivers it again (a command's idempotency key keeps it from
    running twice)."""
    try:
        how(message)
    except OSError as exc:
        log.warning("%s: message left unsettled, the broker connection broke (%s); the broker delivers it again",
                    service, exc)


class _SettlesSafely:
    """For Nameko consumers: their message settled as `settle` does."""

    def handle_message_processed(self, message, result=None, exc_info=None):
        how = (self.queue_consumer.requeue_message if exc_info is not None and self.requeue_on_error
               else self.queue_consumer.ack_message)
        settle(message, how, self.container.service_name)


class QueryRpcConsumer(RpcConsumer):
    """Nameko's RPC consumer, answering through `ReplyConnection`."""

    replies = ReplyConnection()

    def setup(self):
        super().setup()
        # Read by the queue consumer when it (re)connects, after every setup.
        apply_queue_type(self.queue, self.container.config)

    def handle_result(self, message, result, exc_info):
        if exc_info is not None and _database_unreachable(exc_info[1]):
            # The caller learns it as such, not as an unknown remote error.
            exc_info = (StorageUnavailable, StorageUnavailable(f"{self.container.service_name}: database unavailable"),
                        exc_info[2])
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
        settle(message, self.queue_consumer.ack_message, self.container.service_name)
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


class CallContext(DependencyProvider):
    """What a worker takes from its call's headers before it runs, in its own
    green thread: the correlation id, for every line it logs (common.logs),
    and the idempotency key of a command (common.idempotency). The key is
    taken out of the context Nameko copies into the headers of the events and
    calls the worker makes: it belongs to this call only. A worker that no
    request started (a timer) gets its call id as correlation id, which the
    events it dispatches then carry. `common.runner` gives every service one."""

    def worker_setup(self, worker_ctx):
        data = worker_ctx.data
        idempotency_key.set(data.pop("idempotency_key", None))
        if not data.get("correlation_id"):
            data["correlation_id"] = worker_ctx.call_id
        correlation_id.set(data["correlation_id"])


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

    def get_message_headers(self, worker_ctx):
        """The worker's call context, as Nameko sends it with an event, less
        the idempotency key (it belongs to the call, not to what the call
        causes), and with a correlation id even for a worker no request
        started (a timer: its call id, as common.messaging.CallContext logs)."""
        headers = super().get_message_headers(worker_ctx)
        headers.pop(f"{self.header_prefix}.idempotency_key", None)
        headers.setdefault(f"{self.header_prefix}.correlation_id", worker_ctx.call_id)
        return headers


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


class _RouteHandler(_SettlesSafely, EventHandler):
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
        apply_queue_type(self.queue, self.container.config)
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


class _WorkHandler(_SettlesSafely, EventHandler):
    def setup(self):
        super().setup()
        apply_queue_type(self.queue, self.container.config)


def work_handler(source_service: str, event_type: str):
    """One durable queue shared by all instances of the handling service; the
    message is acknowledged only after the handler returned (so after it
    committed), and requeued if the handler failed."""
    return _WorkHandler.decorator(
        source_service, event_type, handler_type=SERVICE_POOL, reliable_delivery=True, requeue_on_error=True
    )


def notice_handler(source_service: str, event_type: str):
    """Every instance hears every notice (a cache per instance); nothing piles up
    while it is stopped."""
    return event_handler(source_service, event_type, handler_type=BROADCAST, reliable_delivery=False)
