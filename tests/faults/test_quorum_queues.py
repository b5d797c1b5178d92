"""Quorum queues for real (issue 20, point 4): with SCOLARITE_QUEUE_TYPE=quorum
the services declare their durable queues as quorum queues (the RPC reply
queues stay classic and exclusive), and a work event waiting in one survives
the broker's restart. The broker is a node this test starts itself
(tools/broker_node.py), never the machine's shared one."""
import json

import pytest
import requests

from tests.messaging.support import Broker, Probes, wait_until
from tools.broker_node import BrokerNode, available

pytestmark = pytest.mark.skipif(not available(), reason="RabbitMQ's scripts are not installed")

WORK_QUEUE = "evt-msg_probe-job--msg_worker.handle_job"


class NodeBroker(Broker):
    def __init__(self, node: BrokerNode):
        super().__init__(node.amqp_uri)
        self.node = node

    def queues(self) -> dict[str, dict]:
        out = self.node.ctl("list_queues", "--no-table-headers", "name", "type", "messages", "durable",
                            "exclusive", "auto_delete")
        rows = {}
        for line in out.splitlines():
            name, kind, messages, durable, exclusive, auto_delete = line.split("\t")
            rows[name] = {"type": kind, "messages": int(messages), "durable": durable == "true",
                          "exclusive": exclusive == "true", "auto_delete": auto_delete == "true"}
        return rows


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    n = BrokerNode(tmp_path_factory.mktemp("rabbit")).start()
    yield n
    n.destroy()


def test_durable_queues_are_quorum_queues_and_a_waiting_work_event_survives_a_broker_restart(node, tmp_path):
    broker = NodeBroker(node)
    probes = Probes(broker, tmp_path, env={"SCOLARITE_QUEUE_TYPE": "quorum", "SCOLARITE_LOG_FORMAT": "json"})
    try:
        probes.start("msg_probe", "msg_worker")
        client = probes.rpc()
        client.call("msg_probe", "dispatch_job", token="premier")
        wait_until(lambda: probes.journal("probe-jobs") == ["premier"], "the first job handled")

        queues = broker.queues()
        assert queues[WORK_QUEUE]["type"] == "quorum"
        assert queues["rpc-msg_probe"]["type"] == "quorum"
        assert queues["rpc-msg_worker"]["type"] == "quorum"
        replies = [q for name, q in queues.items() if name.startswith("rpc.reply-")]
        assert replies and all(q["type"] == "classic" and q["exclusive"] for q in replies)

        # Production logs: one JSON object per line, naming the process.
        ready = [json.loads(line) for line in probes.log("msg_probe").splitlines() if "service msg_probe ready" in line]
        assert ready and ready[0]["process"] == "msg_probe" and ready[0]["correlation_id"] == "-"
        # Its health port: alive, ready, and its workers timed.
        port = probes.cluster.processes["msg_probe"].health_port
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'scolarite_worker_seconds_count{entrypoint="dispatch_job",outcome="ok",service="msg_probe"} 1.0' in metrics

        probes.stop("msg_worker")
        client.call("msg_probe", "dispatch_job", token="avant-le-redemarrage")
        # The management counts follow the queue a few seconds behind.
        wait_until(lambda: broker.queues().get(WORK_QUEUE, {}).get("messages") == 1, "the job waiting", timeout=30)

        node.restart()
        # Kept by the quorum queue across the restart (counted again once it has recovered its log).
        wait_until(lambda: broker.queues().get(WORK_QUEUE, {}).get("messages") == 1, "the job kept", timeout=60)
        probes.start("msg_worker")
        wait_until(lambda: probes.journal("probe-jobs") == ["premier", "avant-le-redemarrage"],
                   "the job kept across the restart handled", timeout=60)
        # The service that stayed up through the restart reconnected by itself.
        wait_until(lambda: _answers(client), "msg_probe answering again", timeout=60)
    finally:
        probes.close()


def _answers(client) -> bool:
    try:
        return client.call("msg_probe", "echo", value="ok", timeout=3) == "ok"
    except Exception:  # not reconnected yet
        return False
