"""`make bench`: the platform's RPC round trip against raw py-amqp, and the
memory of every process of a full cluster.

1. On a RabbitMQ virtual host of its own (created here, deleted at the end), a
   minimal echo service runs through common.runner with the platform's query
   settings (`bench.echo`), and a responder written directly with py-amqp runs
   next to it (`bench.raw_echo`). The same number of round trips go through
   common.rpc_client.RpcClient, through a raw py-amqp client, and through the
   raw client with the platform's request settings (confirm, `mandatory`, TTL),
   interleaved in rounds so that a noisy machine penalises all alike. Prints
   the median and 95th percentile of each and the ratios (target: platform at
   most 1.3x raw).
2. Every service of deploy/services.yml and the gunicorn gateway start as
   `make run` starts them (tools.cluster), the demo académie is built by
   tools.demo (the SIECLE import and the accounts RPC), traffic goes through
   the gateway (login pages, logins, first connections, home pages), then the
   resident memory (VmRSS) of each process and gateway worker is printed
   (target: under 100 MB each).

Usage: python -m bench.rpc_roundtrip [--calls 2000] [--rounds 20] [--skip-cluster] [--keep]
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import requests

from bench.raw_echo import RawClient
from common.config import ROOT, amqp_uri
from common.rpc_client import RpcClient
from tools.cluster import Cluster, Process

RATIO_TARGET = 1.3
RSS_TARGET_MB = 100
WARMUP = 200
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True,
                          timeout=120).stdout


class VirtualHost:
    def __init__(self):
        self.name = f"scolarite-bench-{uuid.uuid4().hex[:8]}"
        base = urlparse(amqp_uri())
        self.uri = urlunparse(base._replace(path="/" + self.name))

    def __enter__(self):
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, urlparse(self.uri).username or "guest", ".*", ".*", ".*")
        return self

    def __exit__(self, *exc):
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.name], capture_output=True, timeout=120)


# -- 1. round trips ------------------------------------------------------------

def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed_calls(call, count):
    out = []
    for i in range(count):
        start = time.perf_counter()
        answer = call(i)
        out.append(time.perf_counter() - start)
        if answer != i:
            raise AssertionError(f"echo answered {answer!r} to {i!r}")
    return out


def round_trips(vhost: VirtualHost, tmp: Path, calls: int, rounds: int) -> dict:
    cluster = Cluster({"AMQP_URI": vhost.uri, "SCOLARITE_VAR_DIR": str(tmp / "echo-var")}, tmp / "logs")
    cluster.service("bench.echo:EchoService", service_name="bench_echo")
    cluster.processes["raw_echo"] = Process(
        "raw_echo", [sys.executable, "-m", "bench.raw_echo", vhost.uri], cluster.env, "raw_echo: ready",
        tmp / "logs" / "raw_echo.log")
    cluster.start_all()
    platform = RpcClient(vhost.uri, timeout=10, client_name="bench")
    raw = RawClient(vhost.uri)
    raw_settings = RawClient(vhost.uri, query_settings=True)
    clients = {
        "platform": lambda i: platform.call("bench_echo", "echo", value=i),
        "raw": raw.call,
        "raw_settings": raw_settings.call,
    }
    try:
        for call in clients.values():
            timed_calls(call, WARMUP)
        per_round = max(1, calls // rounds)
        times = {name: [] for name in clients}
        names = list(clients)
        for r in range(rounds):
            # Rotate which goes first, so none always runs on a warmer machine.
            for name in names[r % 3:] + names[:r % 3]:
                times[name] += timed_calls(clients[name], per_round)
        echo_rss = rss_mb(cluster.processes["bench_echo"].popen.pid)
    finally:
        platform.close()
        raw.close()
        raw_settings.close()
        cluster.stop_all()
    return {"times": times, "echo_rss": echo_rss}


def print_round_trips(result: dict) -> float:
    times = result["times"]
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    p95 = {k: percentile(v, 0.95) * 1000 for k, v in times.items()}
    n = len(times["platform"])
    print(f"\nRPC round trip, {n} calls each after {WARMUP} of warm-up, interleaved in rounds")
    print(f"  {'':40} {'median':>10} {'p95':>10}")
    rows = [("platform", "platform (RpcClient -> common.runner)"),
            ("raw", "raw py-amqp request/reply"),
            ("raw_settings", "raw + confirm, mandatory, TTL")]
    for key, label in rows:
        print(f"  {label:40} {med[key]:>8.2f}ms {p95[key]:>8.2f}ms")
    ratio = med["platform"] / med["raw"]
    ratio95 = p95["platform"] / p95["raw"]
    verdict = "OK" if ratio <= RATIO_TARGET else "ABOVE TARGET"
    print(f"  {'ratio platform / raw':40} {ratio:>9.2f}x {ratio95:>9.2f}x"
          f"   (target: median at most {RATIO_TARGET}x: {verdict})")
    print(f"  {'ratio platform / raw + same settings':40} {med['platform'] / med['raw_settings']:>9.2f}x "
          f"{p95['platform'] / p95['raw_settings']:>9.2f}x   (the framework alone)")
    print(f"  echo service process after the run: {result['echo_rss']:.1f} MB resident")
    return ratio


# -- 2. memory of a full cluster -------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: read after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return sorted(out)


class Browser:
    """Just enough of a browser: cookies and forms with their CSRF token. Pages
    that fail are counted in `errors` (status -> count), not raised: the
    figures are about memory, and the failures are printed next to them."""

    def __init__(self, base_url: str, errors: dict):
        self.base_url = base_url
        self.errors = errors
        self.http = requests.Session()

    lock = threading.Lock()

    def _check(self, page: requests.Response) -> requests.Response:
        if page.status_code >= 400:
            key = (page.status_code, page.request.method, urlparse(page.url).path)
            with self.lock:
                self.errors[key] = self.errors.get(key, 0) + 1
        return page

    def get(self, path: str) -> requests.Response:
        return self._check(self.http.get(self.base_url + path, timeout=30))

    def post_form(self, path: str, data: dict) -> requests.Response:
        token = CSRF.search(self.get(path).text)
        fields = {**data, "csrf_token": unescape(token.group(1))} if token else data
        return self._check(self.http.post(self.base_url + path, data=fields, timeout=30))


DATE = re.compile(r"(\d{2}/\d{2}/\d{4})")


def drive_traffic(base_url: str, comptes) -> dict:
    """Login pages from 8 browsers at once, then the demo's stories and staff
    (and a few other families) log in, pass their first connection and open
    their home page repeatedly, 8 at a time."""
    counts = {"login pages": 0, "logins": 0, "first connections": 0, "home pages": 0}
    errors: dict = {}
    lock = threading.Lock()

    def count(what):
        with lock:
            counts[what] += 1

    def login_page(_):
        Browser(base_url, errors).get("/connexion")
        count("login pages")

    def person(compte):
        browser = Browser(base_url, errors)
        page = browser.post_form("/connexion", {"identifiant": compte.identifiant, "mot_de_passe": compte.password})
        count("logins")
        if page.url.endswith("/premiere-connexion"):
            form = {"new_password": "bench2026x", "new_password_confirm": "bench2026x"}
            birth = DATE.search(compte.remark or "")
            if birth:
                form["date_naissance"] = birth.group(1)
            if compte.role == "responsable":
                form.update(email=f"{compte.identifiant}@example.org", email_confirm=f"{compte.identifiant}@example.org")
            browser.post_form("/premiere-connexion", form)
            count("first connections")
        for _ in range(30):
            browser.get("/")
            count("home pages")

    with_password = [c for c in comptes if c.password]
    people = [c for c in with_password if c.role != "responsable" or c.remark][:24]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(login_page, range(300)))
        list(pool.map(person, people))
    return counts, errors


def cluster_memory(vhost: VirtualHost, tmp: Path) -> list[tuple[str, int, float]]:
    from common.clock import Clock
    from common.db import upgrade
    from common.deployment import deployed_services
    from tools import demo

    var = tmp / "cluster-var"
    var.mkdir()
    clock = Clock(str(var / "clock.json"))
    clock.set_offset(0)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        "AMQP_URI": vhost.uri,
        "SCOLARITE_VAR_DIR": str(var),
        "SCOLARITE_CLOCK_FILE": str(var / "clock.json"),
        "SCOLARITE_DEV": "1",
        "SCOLARITE_PUBLIC_URL": base_url,
        "SCOLARITE_RATELIMIT_LOGIN": "100000 per minute",
        "SCOLARITE_LOG_LEVEL": "WARNING",
    }
    services = deployed_services()
    for name in services:
        if (ROOT / "services" / name / "migrations").exists():
            url = f"sqlite:///{var / (name + '.db')}"
            upgrade(name, url)
            env[f"{name.upper()}_DATABASE_URL"] = url
    if "mailer" in services:
        env.update({"SCOLARITE_SMTP_HOST": "127.0.0.1", "SCOLARITE_SMTP_PORT": str(free_port()),
                    "SCOLARITE_MAIL_CATCHER_DIR": str(var / "mail")})
    cluster = Cluster(env, tmp / "logs")
    if "mailer" in services:
        cluster.mailcatcher(var / "mail", int(env["SCOLARITE_SMTP_PORT"]))
    for name, settings in services.items():
        for instance in range(1, int(settings.get("instances", 1)) + 1):
            cluster.service(name, instance)
    gateway = cluster.gateway(port)
    try:
        cluster.start_all()
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base_url + "/connexion", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway not answering; see {tmp / 'logs'}")
            time.sleep(0.2)
        rpc = RpcClient(vhost.uri, timeout=120, client_name="bench")
        try:
            print()
            comptes = demo.build(rpc, var, clock, services=list(services))
        finally:
            rpc.close()
        counts, errors = drive_traffic(base_url, comptes)
        print("\nTraffic through the gateway: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
        for (status, method, path), n in sorted(errors.items()):
            print(f"  ! {n} x HTTP {status} on {method} {path} (logs: {tmp / 'logs'}, kept with --keep)")
        rows = [(name, proc.popen.pid, rss_mb(proc.popen.pid))
                for name, proc in cluster.processes.items() if proc is not gateway]
        rows.append(("gateway (gunicorn master)", gateway.popen.pid, rss_mb(gateway.popen.pid)))
        for i, pid in enumerate(children_of(gateway.popen.pid), 1):
            rows.append((f"gateway worker {i}", pid, rss_mb(pid)))
        return rows
    finally:
        cluster.stop_all()


def print_memory(rows) -> None:
    print(f"\nResident memory after the run (VmRSS; target: under {RSS_TARGET_MB} MB each)")
    for name, pid, mb in rows:
        verdict = "OK" if mb < RSS_TARGET_MB else "ABOVE TARGET"
        print(f"  {name:32} pid {pid:>7} {mb:>8.1f} MB   {verdict}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-cluster", action="store_true", help="round trips only")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data of the run")
    args = parser.parse_args(argv)
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"broker {urlparse(amqp_uri()).hostname}; {time.strftime('%Y-%m-%d %H:%M')}")
    tmp = Path(tempfile.mkdtemp(prefix="scolarite-bench-"))
    try:
        with VirtualHost() as vhost:
            print(f"Virtual host {vhost.name} (deleted at the end); logs in {tmp / 'logs'}")
            print_round_trips(round_trips(vhost, tmp, args.calls, args.rounds))
            if not args.skip_cluster:
                print_memory(cluster_memory(vhost, tmp))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
