"""A RabbitMQ node of its own, for the tests that restart a broker (the
quorum-queue and fault tests): never the machine's shared broker.

The node runs as the current user from RabbitMQ's own scripts, with its own
name, AMQP and distribution ports (free ones), data and logs under a
temporary directory, no plugin, and a HOME of its own (the Erlang cookie is
written there, not in the user's home). Its data survives `restart()`: that
is the point.
"""
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

RABBITMQ_BIN = Path(os.environ.get("SCOLARITE_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return (RABBITMQ_BIN / "rabbitmq-server").exists()


class BrokerNode:
    def __init__(self, base: Path, name: str | None = None):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.name = name or f"scolarite-{uuid.uuid4().hex[:8]}"
        self.node = f"{self.name}@localhost"
        self.port = _free_port()
        self.dist_port = _free_port()
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            # The node's data is thrown away with the test: no disk alarm for a full tmp.
            "disk_free_limit.absolute = 1MB\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "enabled_plugins").write_text("[].\n")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.base),
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        self.popen: subprocess.Popen | None = None

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args, timeout: float = 60) -> str:
        out = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-q", "-n", self.node, *args], env=self.env,
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {out.stderr.strip() or out.stdout.strip()}")
        return out.stdout

    def start(self, timeout: float = 90) -> "BrokerNode":
        log = open(self.base / "server.out", "a")
        self.popen = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self.env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                raise RuntimeError(f"broker node {self.node} exited; see {self.base / 'server.out'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"broker node {self.node} not listening after {timeout} s")
                time.sleep(0.3)
        self.ctl("await_startup", "--timeout", str(int(timeout)))
        return self

    def stop(self) -> None:
        """Stops the node and waits for it (its queues and messages stay on disk)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            self.ctl("stop", timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            os.killpg(self.popen.pid, 9)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, 9)
            self.popen.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
