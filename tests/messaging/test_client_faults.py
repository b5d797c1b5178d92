"""The RPC client's own faults, with the probe services as real processes:
a request too large, a channel error, heartbeats, and a service's call to
another service bounded by a timeout (Nameko's RpcProxy waits forever)."""
import socket
import subprocess
import threading
import time
import uuid

import pytest

from contract.errors import ChannelRefused, MessageTooLarge
from common.rpc_client import RpcClient
from tests.messaging.support import Broker, rabbitmqctl_json


def test_a_request_too_large_is_refused_before_it_is_sent(probes):
    probes.start("msg_probe")
    client = probes.rpc()
    client.max_bytes = 10_000
    with pytest.raises(MessageTooLarge) as refused:
        client.call("msg_probe", "record", tag="x" * 20_000)
    assert "10000 bytes allowed" in str(refused.value)
    assert probes.journal("probe-calls") == []
    assert client.call("msg_probe", "echo", value="y" * 5_000) == "y" * 5_000


def test_a_channel_error_is_reported_as_such_not_as_an_unreachable_broker(vhosts):
    uri = vhosts.new("msg-refused-" + uuid.uuid4().hex[:4])
    broker = Broker(uri)
    # guest may use its reply queues but not publish requests on this virtual host.
    subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", broker.vhost, "guest", ".*", r"^rpc\.reply-.*",
                    ".*"], check=True, capture_output=True, timeout=120)
    client = RpcClient(uri, timeout=5, client_name="test")
    try:
        with pytest.raises(ChannelRefused) as refused:
            client.call("msg_probe", "echo", value=1)
        assert "ACCESS_REFUSED" in str(refused.value) and "unreachable" not in str(refused.value)
    finally:
        client.close()


def test_the_clients_connection_keeps_heartbeats(broker, probes):
    probes.start("msg_probe")
    client = RpcClient(broker.amqp_uri, timeout=5, client_name="test", heartbeat=7)
    try:
        client.call("msg_probe", "echo", value=1)
        rows = rabbitmqctl_json("list_connections", "vhost", "timeout", "client_properties")
        timeouts = [row["timeout"] for row in rows if row["vhost"] == broker.vhost
                    and "test pid" in str(row["client_properties"])]
        assert timeouts == [7]
    finally:
        client.close()


def test_a_services_call_to_another_service_gives_up_after_its_timeout(probes):
    probes.start("msg_probe", "msg_worker")
    client = probes.rpc(timeout=30)
    assert client.call("msg_worker", "ask_slow", seconds=0) == {"answer": 0}
    # msg_probe takes 5 s; msg_worker's client waits 1 s, then the worker goes on.
    assert client.call("msg_worker", "ask_slow", seconds=5) == {"error": "NoAnswer"}


class PathDropper:
    """A TCP relay to the broker whose existing connections can be dropped the
    way a dead network path drops them: what is sent vanishes, nothing is
    closed, no error comes back. New connections are relayed normally."""

    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.dropped: set[int] = set()
        self.swallowed = 0  # bytes the client sent into a dropped connection
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            upstream = socket.create_connection(self.target)
            self.connections += 1
            number = self.connections
            threading.Thread(target=self._relay, args=(client, upstream, number, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, client, number, False), daemon=True).start()

    def _relay(self, source, sink, number, from_client):
        try:
            while data := source.recv(65536):
                if number in self.dropped:
                    if from_client:
                        self.swallowed += len(data)
                else:
                    sink.sendall(data)
        except OSError:
            pass

    def drop_existing(self):
        self.dropped.update(range(1, self.connections + 1))
        self.swallowed = 0


def test_a_dropped_path_is_noticed_by_heartbeats_before_a_request_is_lost_in_it(broker, probes):
    probes.start("msg_probe")
    path = PathDropper()
    uri = broker.amqp_uri.replace("127.0.0.1:5672", f"127.0.0.1:{path.port}")
    client = RpcClient(uri, timeout=20, client_name="test", heartbeat=1)
    try:
        assert client.call("msg_probe", "echo", value="avant") == "avant"
        path.drop_existing()
        # The broker's heartbeats stop arriving; two heartbeats and a half pass.
        time.sleep(3)
        assert client.call("msg_probe", "echo", value="après") == "après"
        # The request went out on a new connection: none of it into the dead path,
        # only the client's own heartbeat frames (8 bytes each; a request is hundreds).
        assert path.connections == 2
        assert path.swallowed < 100
    finally:
        client.close()
