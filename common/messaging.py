"""Delivery settings, chosen per kind of message (ARCHITECTURE rule 5).

| kind | example | delivery | why |
| --- | --- | --- | --- |
| query (RPC request and reply) | menus, tiles, pages' data, login | transient, publisher confirms, mandatory, per-message TTL | a lost query is re-asked by the person; confirms plus mandatory make a call to a service that is not deployed fail at once; the TTL drops requests nobody answered in time instead of replaying them when a stopped service returns |
| work event | an e-mail to send, a change request, an enrollment | persistent, confirmed, durable queue shared by the service's instances | a person is waiting for it: it must survive a broker or service restart |
| notice event | "openings changed", cache invalidation | transient, no confirm, one queue per listener | losing one only delays a cache refresh, which also expires by itself |

docs/messaging.md gives the measurements behind these choices. Every service
imports `rpc`, `work_dispatcher`, `notice_dispatcher`, `work_handler` and
`notice_handler` from here, never nameko's defaults.
"""
import sys

import kombu.serialization
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.events import BROADCAST, SERVICE_POOL, EventDispatcher, event_handler
from nameko.exceptions import UnserializableValueError, serialize
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer, get_rpc_exchange

TRANSIENT = 1
PERSISTENT = 2

RPC_EXCHANGE = "nameko-rpc"


class ReplyPublisher(Publisher):
    """RPC replies are transient: the caller is waiting on the other end of a
    live connection; persisting the reply would only cost a disk write."""

    delivery_mode = TRANSIENT
    # Confirms stay on: they are how a publish on a dead connection is noticed.
    use_confirms = True


class QueryRpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        config = self.container.config
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[message.properties["content_type"]]
        try:
            kombu.serialization.dumps(result, serializer)
        except Exception:
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))
            result = None
        publisher = ReplyPublisher(
            config[AMQP_URI_CONFIG_KEY],
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        publisher.publish(
            {"result": result, "error": error},
            serializer=serializer,
            exchange=get_rpc_exchange(config),
            routing_key=message.properties["reply_to"],
            correlation_id=message.properties.get("correlation_id"),
        )
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = QueryRpcConsumer()


rpc = Rpc.decorator


def work_dispatcher() -> EventDispatcher:
    """For events that carry work a person is waiting for: persistent and confirmed."""
    return EventDispatcher(delivery_mode=PERSISTENT, use_confirms=True)


def notice_dispatcher() -> EventDispatcher:
    """For events whose loss only delays a refresh."""
    return EventDispatcher(delivery_mode=TRANSIENT, use_confirms=False)


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
