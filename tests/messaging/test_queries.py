"""Queries (RPC): what a caller sees when a service is not deployed, stopped,
or its connection is cut, and how the messages travel (common/messaging.py,
docs/messaging.md)."""
import json
import time
import uuid

import amqp
import pytest
from nameko.exceptions import IncorrectSignature, MethodNotFound, RemoteError

from common.errors import NotDeployed, Unavailable
from common.messaging import RPC_EXCHANGE, TRANSIENT, connection_params
from common.rpc_client import RpcClient
from tests.messaging.support import wait_until


class Spy:
    """A py-amqp connection of the test's own, with exclusive queues bound where
    it wants copies of messages."""

    def __init__(self, amqp_uri):
        self.conn = amqp.Connection(**connection_params(amqp_uri))
        self.conn.connect()
        self.channel = self.conn.channel()

    def listen(self, routing_key: str) -> str:
        queue, _, _ = self.channel.queue_declare("", exclusive=True)
        self.channel.queue_bind(queue, RPC_EXCHANGE, routing_key=routing_key)
        return queue

    def get(self, queue: str) -> amqp.Message:
        return wait_until(lambda: self.channel.basic_get(queue, no_ack=True), f"a message in {queue}")

    def request(self, service: str, method: str, reply_to: str, **properties) -> str:
        """A request as another client could send it (Nameko's wire format)."""
        cid = str(uuid.uuid4())
        self.channel.basic_publish(
            amqp.Message(json.dumps({"args": [], "kwargs": properties.pop("kwargs", {})}),
                         content_type="application/json", reply_to=reply_to, correlation_id=cid, **properties),
            exchange=RPC_EXCHANGE, routing_key=f"{service}.{method}")
        return cid

    def close(self):
        self.conn.close()


@pytest.fixture
def spy(broker):
    s = Spy(broker.amqp_uri)
    yield s
    s.close()


def test_a_query_to_a_service_not_deployed_fails_at_once(broker, probes):
    # On a broker where nothing ever ran (no RPC exchange yet) ...
    client = probes.rpc(timeout=20)
    started = time.monotonic()
    with pytest.raises(NotDeployed):
        client.call("absent", "anything")
    # ... and next to a service that runs.
    probes.start("msg_probe")
    with pytest.raises(NotDeployed):
        client.call("absent", "anything")
    # Not deployed is told apart from "no answer in time", without waiting for it.
    assert time.monotonic() - started < 20
    assert client.call("msg_probe", "echo", value="ici") == "ici"


def test_a_query_to_a_stopped_service_expires_instead_of_running_when_it_comes_back(broker, probes, spy):
    probes.start("msg_probe")
    client = probes.rpc(timeout=1)
    assert client.call("msg_probe", "record", tag="before") == "before"

    probes.stop("msg_probe")
    assert broker.queues()["rpc-msg_probe"]["consumers"] == 0
    # Down, not "not deployed": its queue is still there, so the caller waits its timeout.
    with pytest.raises(Unavailable) as raised:
        client.call("msg_probe", "record", tag="late")
    assert not isinstance(raised.value, NotDeployed)
    # The broker drops the request at the end of its TTL (the caller's timeout) ...
    wait_until(lambda: broker.queues()["rpc-msg_probe"]["messages"] == 0, "the request expired in the queue")

    # ... whereas a request sent without a TTL waits for the service, and would
    # run long after anyone waited for it: what the TTL is there to prevent.
    spy.request("msg_probe", "record", reply_to="nobody", kwargs={"tag": "without-ttl"})
    wait_until(lambda: broker.queues()["rpc-msg_probe"]["messages"] == 1, "the request without TTL queued")

    probes.start("msg_probe")
    assert client.call("msg_probe", "record", tag="after") == "after"
    wait_until(lambda: "without-ttl" in probes.journal("probe-calls"), "the request without TTL ran late")
    assert "late" not in probes.journal("probe-calls")
    assert sorted(probes.journal("probe-calls")) == ["after", "before", "without-ttl"]


def test_requests_and_replies_are_transient_and_requests_carry_the_callers_timeout(probes, spy):
    probes.start("msg_probe")
    client = probes.rpc(timeout=7)
    requests = spy.listen("msg_probe.echo")
    assert client.call("msg_probe", "echo", value="vu") == "vu"
    request = spy.get(requests)
    assert request.properties["delivery_mode"] == TRANSIENT
    assert request.properties["expiration"] == "7000"

    replies = spy.listen("spy-replies")
    cid = spy.request("msg_probe", "echo", reply_to="spy-replies", kwargs={"value": "réponse"})
    reply = spy.get(replies)
    assert reply.properties["delivery_mode"] == TRANSIENT
    assert reply.properties["correlation_id"] == cid
    assert json.loads(reply.body) == {"result": "réponse", "error": None}


def test_errors_cross_the_wire_as_types_and_the_service_keeps_answering(probes):
    probes.start("msg_probe")
    client = probes.rpc()
    with pytest.raises(MethodNotFound):
        client.call("msg_probe", "no_such_method")
    with pytest.raises(IncorrectSignature):
        client.call("msg_probe", "echo", wrong_argument=1)
    with pytest.raises(RemoteError) as raised:
        client.call("msg_probe", "unserializable")
    assert raised.value.exc_type == "UnserializableValueError"
    assert client.call("msg_probe", "echo", value=[1, "deux"]) == [1, "deux"]


def test_the_rpc_client_recovers_after_its_connection_is_closed(broker, probes, spy):
    probes.start("msg_probe")
    client = probes.rpc()
    assert client.call("msg_probe", "echo", value=1) == 1

    def client_connections():
        return {c["pid"] for c in broker.connections() if (c["name"] or "").startswith("test pid")}

    # Closed while idle: the next call goes out on a new connection.
    [first] = client_connections()
    assert broker.close_connections("test pid") == 1
    assert client.call("msg_probe", "echo", value=2) == 2
    [second] = wait_until(lambda: (pids := client_connections()) and first not in pids and pids,
                          "the old connection gone, one new connection")

    # Closed while a call waits (on a queue nobody consumes): that call is
    # unavailable at once, the next one works.
    spy.listen("parked.*")
    pending = client.call_async("parked", "anything", timeout=60)
    assert broker.close_connections("test pid") == 1
    with pytest.raises(Unavailable):
        client.result(pending)
    assert client.call("msg_probe", "echo", value=3) == 3
    wait_until(lambda: len(pids := client_connections()) == 1 and second not in pids, "one connection left")


def test_a_service_answers_on_one_reply_connection_and_recovers_when_it_is_closed(broker, probes):
    probes.start("msg_probe")
    client = probes.rpc()
    assert client.call("msg_probe", "echo", value=0) == 0
    before = sorted(c["name"] or "" for c in broker.connections())

    for start in range(0, 300, 20):
        pendings = [client.call_async("msg_probe", "echo", value=i) for i in range(start, start + 20)]
        assert client.gather(pendings) == list(range(start, start + 20))
    # No connection per reply, nor per burst.
    assert sorted(c["name"] or "" for c in broker.connections()) == before
    assert [c["name"] for c in broker.connections()].count("msg_probe replies") == 1

    assert broker.close_connections("msg_probe replies") == 1
    wait_until(lambda: all(c["name"] != "msg_probe replies" for c in broker.connections()),
               "the reply connection closed")
    assert [client.call("msg_probe", "echo", value=i) for i in range(5)] == list(range(5))
    assert [c["name"] for c in broker.connections()].count("msg_probe replies") == 1
    assert "reply connection lost" in probes.log("msg_probe")


def test_one_client_per_caller_leaves_no_reply_queue_behind(broker, probes):
    probes.start("msg_probe")
    clients = [RpcClient(broker.amqp_uri, timeout=10, client_name="short") for _ in range(3)]
    for client in clients:
        assert client.call("msg_probe", "echo", value="x") == "x"
    assert len([q for q in broker.queues() if q.startswith("rpc.reply-short-")]) == 3
    for client in clients:
        client.close()
    assert not [q for q in broker.queues() if q.startswith("rpc.reply-short-")]


def test_replies_of_every_size_come_back_intact(probes):
    """Replies are framed by hand when they fit one frame (common/messaging.py);
    larger ones go through py-amqp. Both must give back exactly what was sent,
    accents and 4-byte characters included."""
    client = probes.start("msg_probe").rpc()
    unit = "é€😀a"
    for size in (0, 100, 131_000, 131_072, 400_000):
        value = {"texte": (unit * (size // len(unit) + 1))[:size], "liste": [1, "deux", None], "vide": {}}
        assert client.call("msg_probe", "echo", value=value) == value, size
