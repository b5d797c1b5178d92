"""Start and stop the platform's processes: one per service instance, the
gateway under gunicorn, the local mail catcher. Used by `make run` and by the
end-to-end tests, so that the tests run the services exactly as `make run` does.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from common.academie import GATEWAY_THREADS, GATEWAY_WORKERS
from common.config import ROOT
from common.logs import ACCESS_LOG_FORMAT


class StartError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PR_SET_PDEATHSIG = 1
# Looked up here, not in the child: between fork and exec the child must not
# load libraries (another thread may hold the loader's lock).
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM if the process that started it dies (a
    `make run` or a test run killed outright leaves nothing running). Linux
    ties this to the starting *thread*: start processes from the main thread."""
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, ready_marker: str | None, log_path: Path,
                 health_port: int | None = None):
        self.name, self.argv, self.env, self.ready_marker, self.log_path = name, argv, env, ready_marker, log_path
        # Where its /healthz, /readyz and /metrics answer (common/health.py; the gateway's own port).
        self.health_port = health_port
        self.popen: subprocess.Popen | None = None
        self._ready = threading.Event()

    def start(self) -> "Process":
        self._ready.clear()
        log = open(self.log_path, "a", encoding="utf-8")
        self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        if self.ready_marker is None:
            self._ready.set()

        def pump():
            for line in self.popen.stdout:
                log.write(line)
                log.flush()
                if self.ready_marker and self.ready_marker in line:
                    self._ready.set()
            log.close()

        threading.Thread(target=pump, daemon=True).start()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.popen.poll() is not None:
                raise StartError(f"{self.name} exited with {self.popen.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise StartError(f"{self.name} not ready after {timeout} s; see {self.log_path}")

    @property
    def ready(self) -> bool:
        return self.running and self._ready.is_set()

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send_signal(self, sig) -> None:
        """Sends `sig` to its process group, without waiting."""
        if self.running:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def wait_stopped(self, timeout: float = 25) -> None:
        """Waits for it to exit; killed when it takes longer than `timeout`."""
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self, sig=signal.SIGTERM, timeout: float = 25) -> None:
        if not self.running:
            return
        self.send_signal(sig)
        self.wait_stopped(timeout)

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class Cluster:
    """A set of processes sharing one environment (broker URI, databases, clock)."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Process] = {}

    def _add(self, name, argv, ready_marker, env=None, health_port=None) -> Process:
        proc = Process(name, argv, {**self.env, **(env or {})}, ready_marker, self.log_dir / f"{name}.log",
                       health_port)
        self.processes[name] = proc
        return proc

    def service(self, service: str, instance: int = 1, service_name: str | None = None) -> Process:
        """`service` is a deployed service's name, or `module:Class` (a test's or a
        benchmark's own service), whose Nameko name is then `service_name`."""
        service_name = service_name or service
        name = service_name if instance == 1 else f"{service_name}-{instance}"
        # Several instances on one machine: each its own health port.
        port = _free_port()
        return self._add(name, [sys.executable, "-m", "common.runner", service], f"{service_name}: ready",
                         env={"SCOLARITE_HEALTH_PORT": str(port)}, health_port=port)

    def gateway(self, port: int, workers: int = GATEWAY_WORKERS, threads: int = GATEWAY_THREADS) -> Process:
        argv = [sys.executable, "-m", "gunicorn", "gateway.wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
                "--access-logfile", "-", "--graceful-timeout", "10",
                # Its workers' metrics summed at each scrape (gateway/gunicorn_conf.py).
                "--config", "python:gateway.gunicorn_conf",
                # Secret tokens masked, the correlation id at the end of each line (gateway/wsgi.py).
                "--logger-class", "gateway.wsgi.AccessLogger", "--access-logformat", ACCESS_LOG_FORMAT]
        metrics_dir = self.log_dir / f"prometheus-gateway-{port}"
        return self._add("gateway", argv, "Booting worker", env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
                         health_port=port)

    def mailcatcher(self, directory: Path | None = None, port: int | None = None) -> Process:
        """The local SMTP server that keeps every message (tools/mailcatcher.py);
        by default where SCOLARITE_MAIL_CATCHER_DIR and SCOLARITE_SMTP_PORT say."""
        argv = [sys.executable, "-m", "tools.mailcatcher"]
        if directory is not None:
            argv += ["--dir", str(directory)]
        if port is not None:
            argv += ["--port", str(port)]
        return self._add("mailcatcher", argv, "mailcatcher: ready")

    def start_all(self, timeout: float = 90) -> None:
        for proc in self.processes.values():
            if not proc.running:
                proc.start()
        for proc in self.processes.values():
            proc.wait_ready(timeout)

    def stop_all(self) -> None:
        for proc in reversed(list(self.processes.values())):
            proc.stop()


class Supervisor:
    """Keeps the portal up when one of its processes dies (`make run`): the
    dead process is started again after a pause that doubles at each death in
    a row (BACKOFF), and is back to the shortest pause once it has stayed up
    STABLE_AFTER seconds. Every step is said, in French, to the operator.
    `check()` is called in a loop from the main thread (processes started from
    another thread would die with it, see _die_with_parent)."""

    BACKOFF = (1, 2, 4, 8, 16, 30, 60)
    STABLE_AFTER = 60.0

    def __init__(self, cluster: Cluster, say=print, now=time.monotonic):
        self.cluster, self.say, self.now = cluster, say, now
        self.deaths: dict[str, int] = {}
        self.restart_at: dict[str, float] = {}
        self.started_at: dict[str, float] = {}
        self.announced_ready: set[str] = set()

    def check(self) -> None:
        now = self.now()
        for name, proc in self.cluster.processes.items():
            if proc.running:
                if name in self.started_at and name not in self.announced_ready and proc.ready:
                    self.announced_ready.add(name)
                    self.say(f"{name} est de nouveau prêt.")
                if now - self.started_at.get(name, now) >= self.STABLE_AFTER:
                    self.deaths.pop(name, None)
                continue
            if name not in self.restart_at:
                deaths = self.deaths.get(name, 0)
                delay = self.BACKOFF[min(deaths, len(self.BACKOFF) - 1)]
                self.deaths[name] = deaths + 1
                self.restart_at[name] = now + delay
                self.say(f"{name} s'est arrêté (code {proc.popen.returncode}) ; redémarrage dans {delay} s. "
                         f"Journal : {proc.log_path}")
            elif now >= self.restart_at[name]:
                del self.restart_at[name]
                self.announced_ready.discard(name)
                proc.start()
                self.started_at[name] = now
                self.say(f"{name} redémarré (pid {proc.popen.pid}).")
