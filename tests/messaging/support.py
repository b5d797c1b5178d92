"""What the messaging tests (and the end-to-end tests that look at the broker)
share: RabbitMQ seen the way an operator sees it, through rabbitmqctl, and the
probe services of tests/messaging/probe.py started as real processes."""
import json
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from common.rpc_client import RpcClient
from tests.helpers import wait_until  # noqa: F401  (the messaging tests import it from here)
from tools.cluster import Cluster


def rabbitmqctl_json(*args):
    out = subprocess.run(["rabbitmqctl", "-q", *args, "--formatter", "json"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return json.loads(out or "[]")


CONNECTION_NAME = re.compile(r'\{"connection_name","((?:[^"\\]|\\.)*)"\}')



class Broker:
    """One virtual host, seen through rabbitmqctl."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.vhost = unquote(urlparse(amqp_uri).path[1:])

    def queues(self) -> dict[str, dict]:
        rows = rabbitmqctl_json("list_queues", "-p", self.vhost, "name", "messages", "consumers", "durable",
                                "exclusive", "auto_delete")
        return {row["name"]: row for row in rows}

    def connections(self) -> list[dict]:
        """This virtual host's connections: {"pid", "name"} where `name` is the
        connection_name a client gave, if any. (The JSON formatter prints pids
        in a form close_connection does not take.)"""
        out = subprocess.run(["rabbitmqctl", "-q", "--no-table-headers", "list_connections", "vhost", "pid",
                              "client_properties"], check=True, capture_output=True, text=True, timeout=120).stdout
        rows = []
        for line in out.splitlines():
            vhost, pid, properties = line.split("\t", 2)
            if vhost == self.vhost:
                name = CONNECTION_NAME.search(properties)
                rows.append({"pid": pid, "name": name.group(1) if name else None})
        return rows

    def close_connections(self, name_prefix: str) -> int:
        closed = 0
        for conn in self.connections():
            if (conn["name"] or "").startswith(name_prefix):
                subprocess.run(["rabbitmqctl", "-q", "close_connection", conn["pid"], "closed by a test"],
                               check=True, capture_output=True, timeout=120)
                closed += 1
        return closed


PROBES = {
    "msg_probe": "tests.messaging.probe:ProbeService",
    "msg_worker": "tests.messaging.probe:ProbeWorker",
    "msg_db": "tests.messaging.probe:ProbeDb",
}


class Probes:
    """The probe services of one test, started and stopped like `make run` does."""

    def __init__(self, broker: Broker, tmp: Path, env: dict | None = None):
        self.broker = broker
        self.var = tmp / "var"
        self.cluster = Cluster({"AMQP_URI": broker.amqp_uri, "SCOLARITE_VAR_DIR": str(self.var), **(env or {})},
                               tmp / "logs")
        self.clients: list[RpcClient] = []

    def start(self, *names: str) -> "Probes":
        for name in names:
            if name not in self.cluster.processes:
                self.cluster.service(PROBES[name], service_name=name)
        self.cluster.start_all()
        return self

    def stop(self, name: str) -> None:
        self.cluster.processes[name].stop()

    def rpc(self, timeout: float = 10) -> RpcClient:
        client = RpcClient(self.broker.amqp_uri, timeout=timeout, client_name="test")
        self.clients.append(client)
        return client

    def journal(self, name: str) -> list[str]:
        path = self.var / f"{name}.journal"
        return path.read_text(encoding="utf-8").split() if path.exists() else []

    def log(self, name: str) -> str:
        return self.cluster.processes[name].log_path.read_text(encoding="utf-8")

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.cluster.stop_all()
