"""The baseline: a request/reply written directly with py-amqp, with the same
queue shapes as the platform's RPC (a durable service queue bound to the topic
exchange, an exclusive reply queue per client, JSON bodies, transient messages)
and nothing else: no publisher confirms, no `mandatory`, no TTL, no framework.
`RawClient(uri, query_settings=True)` adds the platform's request settings
(confirm, `mandatory`, TTL), to tell their cost from the framework's.

`python -m bench.raw_echo AMQP_URI` runs the responder as its own process, as a
service would be.
"""
import json
import sys
import uuid

import amqp

from common.messaging import RPC_EXCHANGE, TRANSIENT
from common.rpc_client import connection_params

SERVICE = "raw_echo"
QUEUE = f"rpc-{SERVICE}"


def _declare_exchange(channel):
    channel.exchange_declare(RPC_EXCHANGE, "topic", durable=True, auto_delete=False)


def serve(uri: str) -> None:
    conn = amqp.Connection(**connection_params(uri))
    conn.connect()
    channel = conn.channel()
    _declare_exchange(channel)
    channel.queue_declare(QUEUE, durable=True, auto_delete=False)
    channel.queue_bind(QUEUE, RPC_EXCHANGE, routing_key=f"{SERVICE}.*")
    channel.basic_qos(0, 10, False)

    def on_request(message):
        body = json.loads(message.body)
        reply = json.dumps({"result": body["kwargs"]["value"], "error": None})
        channel.basic_publish(
            amqp.Message(reply, content_type="application/json", delivery_mode=TRANSIENT,
                         correlation_id=message.properties["correlation_id"]),
            exchange=RPC_EXCHANGE, routing_key=message.properties["reply_to"])
        channel.basic_ack(message.delivery_tag)

    channel.basic_consume(QUEUE, callback=on_request)
    print(f"{SERVICE}: ready", flush=True)
    while True:
        conn.drain_events()


class RawClient:
    def __init__(self, uri: str, query_settings: bool = False):
        self.query_settings = query_settings
        self.conn = amqp.Connection(**connection_params(uri))
        self.conn.connect()
        self.channel = self.conn.channel()
        _declare_exchange(self.channel)
        self.reply_key = str(uuid.uuid4())
        queue = f"rpc.reply-raw-{self.reply_key}"
        self.channel.queue_declare(queue, exclusive=True, auto_delete=True)
        self.channel.queue_bind(queue, RPC_EXCHANGE, routing_key=self.reply_key)
        self.channel.basic_consume(queue, callback=self._on_reply, no_ack=True)
        if query_settings:
            self.channel.confirm_select()
        self.replies = {}

    def _on_reply(self, message):
        self.replies[message.properties["correlation_id"]] = json.loads(message.body)

    def call(self, value):
        cid = str(uuid.uuid4())
        message = amqp.Message(json.dumps({"args": [], "kwargs": {"value": value}}),
                               content_type="application/json", delivery_mode=TRANSIENT,
                               reply_to=self.reply_key, correlation_id=cid)
        if self.query_settings:
            message.properties["expiration"] = "10000"
            self.channel.basic_publish_confirm(message, exchange=RPC_EXCHANGE, routing_key=f"{SERVICE}.echo",
                                               mandatory=True, confirm_timeout=10)
        else:
            self.channel.basic_publish(message, exchange=RPC_EXCHANGE, routing_key=f"{SERVICE}.echo")
        while cid not in self.replies:
            self.conn.drain_events(timeout=10)
        return self.replies.pop(cid)["result"]

    def close(self):
        self.conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
