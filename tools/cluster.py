"""Start and stop the platform's processes: one per service instance, the
gateway under gunicorn, the local mail catcher. Used by `make run` and by the
end-to-end tests, so that the tests run the services exactly as `make run` does.
"""
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from common.config import ROOT


class StartError(RuntimeError):
    pass


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
    def __init__(self, name: str, argv: list[str], env: dict, ready_marker: str | None, log_path: Path):
        self.name, self.argv, self.env, self.ready_marker, self.log_path = name, argv, env, ready_marker, log_path
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
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout: float = 25) -> None:
        if not self.running:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class Cluster:
    """A set of processes sharing one environment (broker URI, databases, clock)."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, Process] = {}

    def _add(self, name, argv, ready_marker) -> Process:
        proc = Process(name, argv, self.env, ready_marker, self.log_dir / f"{name}.log")
        self.processes[name] = proc
        return proc

    def service(self, service: str, instance: int = 1, service_name: str | None = None) -> Process:
        """`service` is a deployed service's name, or `module:Class` (a test's or a
        benchmark's own service), whose Nameko name is then `service_name`."""
        service_name = service_name or service
        name = service_name if instance == 1 else f"{service_name}-{instance}"
        return self._add(name, [sys.executable, "-m", "common.runner", service], f"{service_name}: ready")

    def gateway(self, port: int, workers: int = 2, threads: int = 4) -> Process:
        argv = [sys.executable, "-m", "gunicorn", "gateway.wsgi:app", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
                "--access-logfile", "-", "--logger-class", "gateway.access_log.RedactingLogger",
                "--graceful-timeout", "10"]
        return self._add("gateway", argv, "Booting worker")

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
