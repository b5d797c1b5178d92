"""The evening peak (issue 11): sessions of login → home → notes → logout,
replayed open-loop at rising rates against the portal as `make run` starts it
(gunicorn 2 workers × 8 threads, every service its own process; here with
`--accounts` and `--notes` instances, 2 each by default), on loopback.

Measured in the same run, on the same cores, as baselines:
- the raw Argon2id verify rate (the accounts parameters) in 1 and in 2 processes;
- a bare Flask page under the same gunicorn (bench/bare_app.py).

Prints:
- for each offered rate: sessions completed, session p50/p95, each step's p95,
  and the CPU each process used per session; the highest rate held (no
  session failed, session p95 under 1 s); target: at least 0.5 × the raw
  2-process Argon2 rate;
- logins per second (closed loop) / raw Argon2 on the same 2 cores (target 0.8);
- home pages per second (closed loop) / bare Flask pages per second (target 0.3);
  the same home pages are kept by the gateway after the first (gateway/kept_bodies.py);
  `--home-only` also gives the rate with every one rendered, as the first after a login is;
- the home page's p95 at a steady rate alone and during a login wave (bound:
  under 250 ms, and at most 3 times the p95 without the wave).
The families log in in turn, about as many as the run's logins (`Families`):
on a real evening each family comes once, with its grades new, and what is
kept per family does not serve it again. The machine's speed drifts and it is
shared: every target is a ratio to a baseline of the same run. Bounded: about
6 minutes, 2 to 3 of them preparing the 1 500 families.

Usage: python -m bench.evening_peak [--accounts 2] [--notes 2] [--rates 8,12,16,20,24,28]
                                    [--seconds 8] [--guardians 1500] [--no-view-cache] [--gateway-threads 8]
       python -m bench.evening_peak --home-only [--seconds 8] [--rounds 3]
           (only the home page, kept and rendered, against the bare Flask page: about 2 minutes)
"""
import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

from bench.pages import p95
from common.academie import GATEWAY_THREADS
from common.deployment import deployed_services
from tests.fixtures import Databases, Platform, VirtualHosts, free_port

PASSWORD = "soirée2026"
# About as many families as a run's logins (1 100 to 1 700 on this machine).
GUARDIANS = 1500
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HELD_P95 = 1.0
WAVE_BOUND_MS = 250.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- a light HTTP client: the load generator shares the two cores ------------
class Browser:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.cookie = None

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle kept-alive connection: a browser opens another.
                self.conn.close()
                if attempt == 2:
                    raise
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def csrf(self, text: str) -> str:
        return unescape(CSRF.search(text).group(1))

    def login(self, identifiant: str) -> str:
        """Returns where the login sends the browser."""
        status, _, page = self.request("GET", "/connexion")
        status, location, _ = self.request("POST", "/connexion", {
            "csrf_token": self.csrf(page), "identifiant": identifiant, "mot_de_passe": PASSWORD})
        if status != 302:
            raise RuntimeError(f"login answered {status}")
        return location

    def close(self):
        self.conn.close()


def one_session(port: int, identifiant: str, scheduled: float) -> dict:
    """login → home → notes → logout; times from the scheduled arrival."""
    steps = {}
    b = Browser(port)
    try:
        t = time.perf_counter()
        status, _, page = b.request("GET", "/connexion")
        steps["form"] = time.perf_counter() - t
        t = time.perf_counter()
        status, location, _ = b.request("POST", "/connexion", {
            "csrf_token": b.csrf(page), "identifiant": identifiant, "mot_de_passe": PASSWORD})
        steps["login"] = time.perf_counter() - t
        if status != 302:
            raise RuntimeError(f"login {status}")
        # Where the login sends the browser, as a browser follows it: the
        # child's home page (through `/` before 2026-12-02).
        t = time.perf_counter()
        path = location.replace(f"http://127.0.0.1:{port}", "")
        status, location, home = b.request("GET", path)
        while status == 302:
            path = location.replace(f"http://127.0.0.1:{port}", "")
            status, location, home = b.request("GET", path)
        steps["home"] = time.perf_counter() - t
        eleve = re.search(r"/eleve/(\d+)/$", path)
        if eleve is None:
            raise RuntimeError(f"home {status} {path}")
        if status != 200:
            raise RuntimeError(f"home {status}")
        t = time.perf_counter()
        status, _, _ = b.request("GET", f"/eleve/{eleve.group(1)}/notes/")
        steps["notes"] = time.perf_counter() - t
        if status != 200:
            raise RuntimeError(f"notes {status}")
        t = time.perf_counter()
        status, _, _ = b.request("POST", "/deconnexion", {"csrf_token": b.csrf(home)})
        steps["logout"] = time.perf_counter() - t
        if status != 302:
            raise RuntimeError(f"logout {status}")
        return {"ok": True, "total": time.perf_counter() - scheduled, "steps": steps}
    except Exception as exc:  # a session that gave up or failed
        return {"ok": False, "error": str(exc)[:80], "total": time.perf_counter() - scheduled, "steps": steps}
    finally:
        b.close()


# -- CPU per process, from /proc ----------------------------------------------
def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _rabbitmq_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"beam.smp" in (entry / "cmdline").read_bytes() and b"rabbit" in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                pass
    return None


class CpuMeter:
    def __init__(self, cluster):
        self.pids = {}
        for name, proc in cluster.processes.items():
            if name == "gateway":
                for i, child in enumerate(sorted(_children(proc.popen.pid)), 1):
                    self.pids[f"gateway worker {i}"] = child
                self.pids["gateway master"] = proc.popen.pid
            elif name != "mailcatcher":
                self.pids[name] = proc.popen.pid
        rabbit = _rabbitmq_pid()
        if rabbit:
            self.pids["rabbitmq (shared)"] = rabbit
        self.pids["load generator"] = os.getpid()

    def snapshot(self) -> dict:
        return {name: _cpu_seconds(pid) for name, pid in self.pids.items()}

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        return {name: after[name] - before[name] for name in before}


# -- baselines ----------------------------------------------------------------
def _argon2_worker(seconds: float, out):
    from services.accounts.passwords import HASHER

    stored = HASHER.hash("baseline2026")
    count, end, cpu = 0, time.perf_counter() + seconds, time.process_time()
    while time.perf_counter() < end:
        HASHER.verify(stored, "baseline2026")
        count += 1
    out.put((count, time.process_time() - cpu))


def argon2_rate(processes: int, seconds: float) -> tuple[float, float]:
    """(verifications per second of all the processes, CPU seconds per verification)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_argon2_worker, args=(seconds, out)) for _ in range(processes)]
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    for w in workers:
        w.join()
    count = sum(c for c, _ in results)
    return count / seconds, sum(cpu for _, cpu in results) / max(count, 1)


def closed_loop(clients: list[Browser], do, seconds: float) -> tuple[float, list[float]]:
    """Each client repeats `do(client)` for `seconds`: (rate per second, latencies)."""
    latencies, lock, end = [], threading.Lock(), time.perf_counter() + seconds

    def run(client):
        mine = []
        while time.perf_counter() < end:
            t = time.perf_counter()
            do(client)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - start), latencies


def _start_like_the_gateway(cluster, name: str, app: str, path: str, env: dict | None = None):
    """The gateway's gunicorn command on another port, serving `app`: (its
    process, its port), once `path` answers."""
    port = free_port()
    argv = [{"gateway.wsgi:app": app}.get(a, a) for a in cluster.processes["gateway"].argv]
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    proc = cluster._add(name, argv, "Booting worker", env=env)
    proc.start()
    proc.wait_ready()
    deadline = time.monotonic() + 30
    while True:
        try:
            Browser(port).request("GET", path)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return proc, port


def start_bare_flask(cluster):
    """The same gunicorn command as the gateway's, serving bench/bare_app.py:
    (its process, its port), answering."""
    return _start_like_the_gateway(cluster, "bare-flask", "bench.bare_app:app", "/")


def start_gateway_rendering(cluster):
    """A second gateway, the same command on another port, that keeps no home
    page (SCOLARITE_KEPT_PAGES=0): every home page rendered, as the first one
    after a login is. (its process, its port), answering."""
    return _start_like_the_gateway(cluster, "gateway-rendering", "gateway.wsgi:app", "/connexion", env={
        "PROMETHEUS_MULTIPROC_DIR": str(cluster.log_dir / "prometheus-gateway-rendering"),
        "SCOLARITE_KEPT_PAGES": "0"})


def bare_flask_rate(cluster, seconds: float, clients: int) -> float:
    proc, port = start_bare_flask(cluster)
    browsers = [Browser(port) for _ in range(clients)]
    rate, _ = closed_loop(browsers, lambda b: b.request("GET", "/"), seconds)
    proc.stop()
    return rate


def logged_in_browsers(port: int, idents: list[str]) -> tuple[list[Browser], list[str]]:
    """One browser per identifier, logged in, and the home page `/` sends it to
    (its first child's), loaded once (the view and tiles cached)."""
    browsers, paths = [], []
    for ident in idents:
        b = Browser(port)
        b.login(ident)
        _, location, _ = b.request("GET", "/")
        browsers.append(b)
        paths.append(location.replace(f"http://127.0.0.1:{port}", ""))
    for b, path in zip(browsers, paths):
        b.request("GET", path)
    return browsers, paths


def home_rate(browsers: list[Browser], paths: list[str], seconds: float) -> float:
    """Home pages per second, closed loop, each browser loading its own."""
    by_browser = dict(zip(map(id, browsers), paths))

    def load(b):
        status, _, _ = b.request("GET", by_browser[id(b)])
        if status != 200:
            raise RuntimeError(f"home {status}")

    return closed_loop(browsers, load, seconds)[0]


def home_only(platform, idents: list[str], rounds: int, seconds: float) -> list[tuple[float, float, float]]:
    """The home page against the bare Flask page alone (`--home-only`): 8
    logged-in browsers, closed loop, then the same 8 sessions on a gateway that
    keeps no home page (each rendered, as the first after a login), then 8
    browsers on the bare page, `rounds` times alternately (the machine's speed
    drifts): [(home/s, home rendered/s, bare/s)]."""
    browsers, paths = logged_in_browsers(platform.port, idents[:8])
    home_rate(browsers, paths, 1)  # warm: every worker thread, the menus, the cache
    proc, bare_port = start_bare_flask(platform.cluster)
    rendering, rendering_port = start_gateway_rendering(platform.cluster)
    try:
        bare = [Browser(bare_port) for _ in range(8)]
        closed_loop(bare, lambda b: b.request("GET", "/"), 1)
        rendered = []
        for b in browsers:  # the same sessions (the same secret key signs the cookies)
            r = Browser(rendering_port)
            r.cookie = b.cookie
            rendered.append(r)
        home_rate(rendered, paths, 1)
        # (the server's process, one measure of its rate): kept home pages, rendered ones, the bare page.
        phases = [(platform.cluster.processes["gateway"].popen.pid, lambda: home_rate(browsers, paths, seconds)),
                  (rendering.popen.pid, lambda: home_rate(rendered, paths, seconds)),
                  (proc.popen.pid, lambda: closed_loop(bare, lambda b: b.request("GET", "/"), seconds)[0])]
        out = []
        for _ in range(rounds):
            rates, cpu = [], []
            for pid, run in phases:
                before = _tree_cpu(pid)
                rates.append(run())
                cpu.append((_tree_cpu(pid) - before) / (rates[-1] * seconds) * 1000)
            home, home_rendered, plain = rates
            out.append((home, home_rendered, plain))
            # The servers' CPU per page moves less with the others' load than the rates do.
            print(f"  home page {home:.0f}/s ({home_rendered:.0f}/s rendered), bare Flask {plain:.0f}/s: "
                  f"{home / plain:.3f} ({home_rendered / plain:.3f} rendered)   server CPU per page "
                  f"{cpu[0]:.2f} ms ({cpu[1]:.2f} rendered) / {cpu[2]:.2f} ms   "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
        return out
    finally:
        proc.stop()
        rendering.stop()


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a gunicorn master and its workers."""
    return sum(_cpu_seconds(p) for p in [pid, *_children(pid)])


# -- the portal and its families ----------------------------------------------
def family_payload(uai: str, guardians: int) -> dict:
    eleves, personnes, liens = [], [], []
    for g in range(guardians):
        personnes.append({"siecle_personne_id": str(5000 + g), "nom": f"SOIR{g:03d}", "prenom": "Paul",
                          "civilite": "M."})
        for c, (prenom, naissance, classe) in enumerate([("Anna", "2012-03-01", "5A"), ("Bruno", "2013-05-02", "6B"),
                                                         ("Chloé", "2011-07-03", "4C")]):
            sid = str(10000 + g * 3 + c)
            eleves.append({"siecle_eleve_id": sid, "nom": f"SOIR{g:03d}", "prenom": prenom,
                           "date_naissance": naissance, "classe": classe})
            liens.append({"siecle_eleve_id": sid, "siecle_personne_id": str(5000 + g), "niveau_responsabilite": 1,
                          "code_parente": "20"})
    return {"etablissement": {"uai": uai, "nom": "COLLÈGE DU SOIR", "type": "college", "commune": "LILLE"},
            "eleves": eleves, "personnes": personnes, "liens": liens}


def prepare(platform, guardians: int) -> list[str]:
    """An establishment of `guardians` families of three children, each
    guardian's account in use (password chosen, address confirmed), grades
    published: returns the guardians' identifiers."""
    rpc = platform.rpc(timeout=300)
    try:
        return prepare_on(rpc, platform.env["ACCOUNTS_DATABASE_URL"], platform.clock, guardians)
    finally:
        rpc.close()


# Families per establishment: a larger one's trimester of grades would not fit
# in one import message (the RPC's 16 MiB).
PER_ETABLISSEMENT = 150


def prepare_on(rpc, accounts_database_url: str, clock, guardians: int) -> list[str]:
    """`prepare` for any portal: its RPC client, the accounts database's URL
    and its clock (a tests' Platform, or bench/deployment.py's LocalDeployment).
    The families are spread over establishments of PER_ETABLISSEMENT."""
    idents = []
    for first in range(0, guardians, PER_ETABLISSEMENT):
        idents += _prepare_etablissement(rpc, accounts_database_url, clock, min(PER_ETABLISSEMENT, guardians - first))
    settle()
    return idents


def _prepare_etablissement(rpc, accounts_database_url: str, clock, guardians: int) -> list[str]:
    from common.db import new_session
    from services.accounts.models import Account
    from services.accounts.passwords import HASHER
    from tools.demo_notes import fill

    uai = f"{uuid.uuid4().int % 10**7:07d}S"
    rpc.call("accounts", "import_siecle", payload=family_payload(uai, guardians))
    letters = rpc.call("accounts", "issue_letters", uai=uai)
    idents = [l["identifiant"] for l in letters if l["role"] == "responsable"]
    # The accounts in use, as if each family had done its first connection:
    # one real full-cost hash of the same password (logins verify it).
    db = new_session(accounts_database_url)
    now = clock.now()
    for account in db.query(Account).filter(Account.identifiant.in_(idents)):
        account.password_hash, account.password_provisional = HASHER.hash(PASSWORD), False
        account.activated_at = account.email_confirmed_at = now - timedelta(days=30)
        account.email = f"{account.identifiant}@example.org"
    db.commit()
    db.close()
    fill(rpc, [uai], clock=clock)
    return idents


def _busy_and_total() -> tuple[int, int]:
    """The machine's CPU time, in ticks: (busy, all), from /proc/stat."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def settle(limit: float = 120.0, quiet: float = 0.15, what: str = "the preparation's aftermath absorbed") -> None:
    """Waits until the machine is quiet (under `quiet` of its cores busy for two
    seconds running), at most `limit` seconds: the services absorb the grades'
    news for several seconds after `fill` returns (accounts stores each item
    and moves the children's counters), which would otherwise run during the
    first rates measured."""
    started = time.monotonic()
    calm = 0
    before = _busy_and_total()
    while calm < 2:
        time.sleep(1)
        after = _busy_and_total()
        share = (after[0] - before[0]) / max(after[1] - before[1], 1)
        before = after
        calm = calm + 1 if share < quiet else 0
        if time.monotonic() - started > limit:
            print(f"  the machine did not settle in {limit:.0f} s ({share:.0%} busy): measuring anyway", flush=True)
            return
    print(f"  {what} in {time.monotonic() - started:.0f} s", flush=True)


# -- the phases ---------------------------------------------------------------
class Families:
    """The guardians in turn across the whole run: on a real evening, the
    100 000 logins of an hour are of nearly as many families, each one's
    first visit since its grades were published (news tiles, every grade
    new), not the same few families again with nothing new. A family comes
    back only once every other has logged in: `per_family` says how often
    that happened (below 1: never)."""

    def __init__(self, idents: list[str]):
        self.idents = list(idents)
        self._taken = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._taken += 1
            return self.idents[(self._taken - 1) % len(self.idents)]

    def take(self, count: int) -> list[str]:
        return [self.next() for _ in range(count)]

    def per_family(self) -> float:
        return self._taken / len(self.idents)


def open_loop(port: int, families: Families, rate: float, seconds: float, pool: ThreadPoolExecutor) -> list[dict]:
    count = int(rate * seconds)
    start = time.perf_counter() + 0.05
    futures = []
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(one_session, port, families.next(), scheduled))
    return [f.result() for f in futures]


def summary(results: list[dict]) -> dict:
    ok = [r for r in results if r["ok"]]
    totals = [r["total"] for r in ok] or [float("inf")]
    steps = {}
    for name in ("form", "login", "home", "notes", "logout"):
        values = [r["steps"][name] for r in ok if name in r["steps"]]
        steps[name] = p95(values) if len(values) >= 2 else float("nan")
    return {"ok": len(ok), "failed": len(results) - len(ok),
            "p50": statistics.median(totals), "p95": p95(totals) if len(totals) >= 2 else totals[0],
            "steps": steps, "errors": sorted({r.get("error", "") for r in results if not r["ok"]})[:3]}


def home_p95(port: int, browsers: list[Browser], paths: list[str], rate: float, seconds: float) -> float:
    """Home pages at a steady `rate` (open loop over the logged-in browsers)."""
    lat, lock = [], threading.Lock()
    free = list(zip(browsers, paths))

    def one(scheduled):
        with lock:
            b, path = free.pop()
        try:
            status, _, _ = b.request("GET", path)
            lat.append(time.perf_counter() - scheduled)
        finally:
            with lock:
                free.append((b, path))

    with ThreadPoolExecutor(len(browsers)) as pool:
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, scheduled)
    return p95(lat) * 1000


STEPS = ("form", "login", "home", "notes", "logout")


def _group(process: str) -> str:
    """A process's part in a session: accounts, gateway, notes, RabbitMQ, the load generator."""
    return process.split()[0].split("-")[0].replace("rabbitmq", "RabbitMQ").replace("load", "load generator")


def step_costs(port: int, idents: list[str], meter: CpuMeter) -> dict:
    """The CPU of each step of a session, by part: the sessions of `idents`,
    their steps taken one at a time, each step by every browser before the next step
    (nothing else running), so that what the processes spent in between is
    that step's. Returns {step: {part: ms of CPU per step}}."""
    browsers = [Browser(port) for _ in idents]
    pages: list[tuple[str, str]] = [("", "")] * len(browsers)
    locations = [""] * len(browsers)

    def form(i, b):
        pages[i] = ("", b.request("GET", "/connexion")[2])

    def login(i, b):
        status, locations[i], _ = b.request("POST", "/connexion", {
            "csrf_token": b.csrf(pages[i][1]), "identifiant": idents[i], "mot_de_passe": PASSWORD})
        if status != 302:
            raise RuntimeError(f"login {status}")

    def home(i, b):
        path = locations[i].replace(f"http://127.0.0.1:{port}", "")
        status, location, page = b.request("GET", path)
        while status == 302:
            path = location.replace(f"http://127.0.0.1:{port}", "")
            status, location, page = b.request("GET", path)
        pages[i] = (path, page)

    def notes(i, b):
        if b.request("GET", f"{pages[i][0]}notes/")[0] != 200:
            raise RuntimeError("notes")

    def logout(i, b):
        if b.request("POST", "/deconnexion", {"csrf_token": b.csrf(pages[i][1])})[0] != 302:
            raise RuntimeError("logout")

    costs = {}
    try:
        for name, step in zip(STEPS, (form, login, home, notes, logout)):
            before = meter.snapshot()
            for i, b in enumerate(browsers):
                step(i, b)
            spent = CpuMeter.delta(before, meter.snapshot())
            parts: dict[str, float] = {}
            for process, seconds in spent.items():
                parts[_group(process)] = parts.get(_group(process), 0.0) + seconds * 1000 / len(browsers)
            costs[name] = parts
    finally:
        for b in browsers:
            b.close()
    return costs


def print_step_costs(costs: dict, hash_ms: float, budget_ms: float) -> None:
    parts = ["accounts", "gateway", "notes", "RabbitMQ", "load generator"]
    print("    CPU per step, ms (the steps taken one at a time; /proc's clock ticks are 10 ms, so about "
          "±0.1 ms a step):")
    print("      " + f"{'step':8s}" + "".join(f"{p:>16s}" for p in parts) + f"{'all':>9s}")
    total = {p: 0.0 for p in parts}
    for step, spent in costs.items():
        row = [spent.get(p, 0.0) for p in parts]
        for p, ms in zip(parts, row):
            total[p] += ms
        print("      " + f"{step:8s}" + "".join(f"{ms:16.1f}" for ms in row) + f"{sum(spent.values()):9.1f}")
    print("      " + f"{'session':8s}" + "".join(f"{total[p]:16.1f}" for p in parts)
          + f"{sum(sum(s.values()) for s in costs.values()):9.1f}")
    print(f"      the hash {hash_ms:.1f} ms (in accounts' login); the target leaves {budget_ms:.1f} ms a session "
          f"in all, {budget_ms - hash_ms:.1f} besides the hash")


def warm_up(port: int, families: Families, sessions: int = 16) -> None:
    """Connections, database pages, menus: sessions before any measure."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: one_session(port, families.next(), time.perf_counter()), range(sessions)))


def peak_rate(port: int, families: Families, rates: list[float], seconds: float, meter=None,
              verbose: bool = True) -> tuple[float | None, dict | None, list[dict]]:
    """The highest rate held: each offered rate (rising) for `seconds`, open
    loop, until one is not held (a session failed, or the sessions' p95 is
    over HELD_P95). Returns (that rate or None, its summary, every rate's
    summary). Bounded: at most sum(rates) × seconds sessions."""
    held, held_summary, table = None, None, []
    with ThreadPoolExecutor(400) as pool:
        for rate in rates:
            before = meter.snapshot() if meter else None
            t0 = time.perf_counter()
            results = open_loop(port, families, rate, seconds, pool)
            elapsed = time.perf_counter() - t0
            s = summary(results)
            s.update(rate=rate, cpu=CpuMeter.delta(before, meter.snapshot()) if meter else {}, elapsed=elapsed)
            table.append(s)
            ok = s["failed"] == 0 and s["p95"] < HELD_P95
            if verbose:
                steps = "  ".join(f"{k} {v * 1000:.0f}" for k, v in s["steps"].items())
                print(f"  {rate:5.1f}/s offered: {s['ok']:4d} ok {s['failed']:3d} failed   session p50 "
                      f"{s['p50'] * 1000:6.0f} ms p95 {s['p95'] * 1000:6.0f} ms   step p95 (ms): {steps}"
                      f"   {'held' if ok else 'NOT HELD'}", flush=True)
                if s["errors"]:
                    print(f"         errors: {s['errors']}")
            if not ok:
                break
            held, held_summary = rate, s
    return held, held_summary, table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2, help="accounts instances")
    parser.add_argument("--notes", type=int, default=2, help="notes instances")
    parser.add_argument("--rates", default=None,
                        help="offered sessions per second, e.g. 8,12,16 (default: 0.25 to 1.25 times the raw "
                             "2-process Argon2 rate of this run, by steps of 0.125: the machine's speed drifts)")
    parser.add_argument("--seconds", type=float, default=8, help="each rate's duration")
    parser.add_argument("--guardians", type=int, default=GUARDIANS,
                        help="families (of 3 children), in turn: about as many as the run's logins, so that "
                             "each family comes once, as on a real evening")
    parser.add_argument("--no-view-cache", action="store_true", help="every page asks accounts (as before issue 11)")
    parser.add_argument("--gateway-threads", type=int, default=GATEWAY_THREADS,
                        help=f"threads of each of the 2 gunicorn workers (make run: {GATEWAY_THREADS})")
    parser.add_argument("--home-only", action="store_true",
                        help="measure only the home page against the bare Flask page (about a minute)")
    parser.add_argument("--rounds", type=int, default=3, help="--home-only: alternate rounds of each")
    args = parser.parse_args(argv)
    if args.home_only:
        return main_home_only(args)
    print("raw Argon2id verify (m=19 MiB, t=2, p=1) ...", flush=True)
    raw1, hash_cpu = argon2_rate(1, 3)
    raw2, _ = argon2_rate(2, 3)
    print(f"  1 process {raw1:.1f}/s   2 processes {raw2:.1f}/s   CPU per verification {hash_cpu * 1000:.1f} ms",
          flush=True)
    if args.rates:
        rates = [float(r) for r in args.rates.split(",")]
    else:
        # From well below the target, so that the highest rate held (and its CPU
        # per session, which says why a higher one is not) is found.
        rates = [round(raw2 * k, 1) for k in (0.125, 0.1875, 0.25, 0.3125, 0.375, 0.4375, 0.5, 0.5625, 0.625,
                                               0.75, 0.875, 1.0)]

    wanted = {"accounts", "mailer", "notes"}
    services = {n: s for n, s in deployed_services().items() if n in wanted}
    tmp = Path(tempfile.mkdtemp(prefix="bench-evening-"))
    vhosts, databases = VirtualHosts(), Databases(tmp)
    platform = Platform(vhosts, databases, "sqlite", tmp, services, env={
        "SCOLARITE_RATELIMIT_LOGIN": "1000000 per minute", "SCOLARITE_LOG_LEVEL": "WARNING",
        # The mailer sends nothing here: it polls its outbox as in production, not as the tests' 0.1 s.
        "SCOLARITE_MAILER_POLL_SECONDS": "5"})
    if args.no_view_cache:
        platform.cluster.env.pop("SCOLARITE_VIEW_CACHE", None)
    view_cache = "SCOLARITE_VIEW_CACHE" in platform.cluster.env
    try:
        gateway = platform.cluster.gateway
        platform.cluster.gateway = lambda port: gateway(port, threads=args.gateway_threads)
        for i in range(2, args.accounts + 1):
            platform.cluster.service("accounts", i)
        for i in range(2, args.notes + 1):
            platform.cluster.service("notes", i)
        platform.start(list(services))
        prepared_at = time.perf_counter()
        idents = prepare(platform, args.guardians)
        prepared_in = time.perf_counter() - prepared_at
        families = Families(idents)
        port = platform.port
        meter = CpuMeter(platform.cluster)
        print(f"portal: accounts ×{args.accounts}, notes ×{args.notes}, mailer, gateway 2 workers × "
              f"{args.gateway_threads} threads; "
              f"{len(idents)} guardians of 3 children in {-(-len(idents) // PER_ETABLISSEMENT)} establishment(s) "
              f"(prepared in {prepared_in:.0f} s); view cache {'on' if view_cache else 'OFF (--no-view-cache, or no Redis)'}",
              flush=True)
        warm_up(port, families)

        held, held_cpu, table = peak_rate(port, families, rates, args.seconds, meter)
        settle(limit=30, what="the last rate's queues drained")
        steps = step_costs(port, families.take(min(100, len(idents))), meter)

        # Logins (closed loop, 8 browsers) against raw Argon2 on the same 2 cores.
        def login(b):
            b.cookie = None
            b.login(families.next())

        before = meter.snapshot()
        login_rate, login_latencies = closed_loop([Browser(port) for _ in range(8)], login, 6)
        login_cpu = CpuMeter.delta(before, meter.snapshot())
        # Home pages (closed loop, 8 logged-in browsers of different families).
        browsers, paths = logged_in_browsers(port, families.take(8))
        home = home_rate(browsers, paths, 6)
        # The home page at a steady rate, alone and during a login wave.
        quiet = home_p95(port, browsers, paths, 20, 5)
        stop = threading.Event()

        def wave():
            b = Browser(port)
            while not stop.is_set():
                b.cookie = None
                b.login(families.next())

        # Other families than the 8 whose home pages are measured (those come
        # back only after every other): a login moves its own account's
        # counter, and so asks its pages' view anew.
        wavers = [threading.Thread(target=wave) for _ in range(8)]
        for t in wavers:
            t.start()
        time.sleep(0.5)  # the wave under way before measuring
        during = home_p95(port, browsers, paths, 20, 5)
        stop.set()
        for t in wavers:
            t.join()
        bare_rate = bare_flask_rate(platform.cluster, 6, 8)
    finally:
        platform.stop()
        databases.cleanup()
        vhosts.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    # The machine's speed drifts within a run: the baseline again, once the portal is stopped.
    raw2_end, hash_cpu_end = argon2_rate(2, 3)

    print()
    print("evening peak, same run, same 2 cores")
    print(f"  families in turn: {families.per_family():.2f} logins per family over the run "
          f"({len(families.idents)} families; above 1, some came back, their grades no longer new)")
    print(f"  raw Argon2 verify: 1 process {raw1:.1f}/s, 2 processes {raw2:.1f}/s, "
          f"{hash_cpu * 1000:.1f} ms of CPU each; at the end, 2 processes {raw2_end:.1f}/s, "
          f"{hash_cpu_end * 1000:.1f} ms each (the ratios below are to the first)")
    if held is None:
        print(f"  highest rate held (session p95 < {HELD_P95:.0f} s): none of {rates}")
    else:
        ratio = round(held / raw2, 3)
        print(f"  highest rate held (session p95 < {HELD_P95:.0f} s, no failure): {held:.1f} sessions/s = "
              f"{ratio:.2f} × raw 2-process Argon2 (target ≥ 0.5) {'OK' if ratio >= 0.5 else 'BELOW TARGET'}; "
              f"{held / raw2_end:.2f} × the baseline at the end")
        n = max(held_cpu["ok"], 1)
        print(f"  CPU at {held:.1f}/s ({held_cpu['elapsed']:.1f} s, {n} sessions): "
              f"% of one core, and ms of CPU per session")
        total = 0.0
        for name, seconds in sorted(held_cpu["cpu"].items(), key=lambda kv: -kv[1]):
            total += seconds
            print(f"    {name:18s} {seconds / held_cpu['elapsed'] * 100:5.1f} %   {seconds / n * 1000:6.1f} ms")
        print(f"    {'all':18s} {total / held_cpu['elapsed'] * 100:5.1f} %   {total / n * 1000:6.1f} ms "
              f"(2 cores give {2000 / held:.0f} ms per session at this rate; the hash alone "
              f"{hash_cpu * 1000:.0f} ms of CPU)")
        # Why the target is or is not within reach: at 0.5 × raw2 the two cores
        # give each session the CPU of two verifications, whatever the machine's speed.
        budget = 2000 / (0.5 * raw2)
        print(f"    the target (0.5 × raw2 = {0.5 * raw2:.1f}/s) leaves {budget:.0f} ms of CPU per session, the "
              f"hash included; a session costs {total / n * 1000:.0f} ms, of which {total / n * 1000 - hash_cpu * 1000:.0f} "
              f"ms besides the hash (5 HTTP requests: form, login, home, notes, logout; their calls through RabbitMQ, the load generator)")
    print_step_costs(steps, hash_cpu * 1000, 2000 / (0.5 * raw2))
    print(f"  logins {login_rate:.1f}/s = {login_rate / raw2:.2f} × raw Argon2 on the same 2 cores "
          f"(target ≥ 0.8) {'OK' if login_rate / raw2 >= 0.8 else 'BELOW TARGET'}; "
          f"{login_rate / raw2_end:.2f} × the baseline at the end")
    logins = max(len(login_latencies), 1)
    per_login = {name: seconds / logins * 1000 for name, seconds in login_cpu.items()}
    print("    CPU per login (form and POST), ms: " + ", ".join(
        f"{name} {ms:.1f}" for name, ms in sorted(per_login.items(), key=lambda kv: -kv[1]) if ms >= 0.05)
          + f"; all {sum(per_login.values()):.1f} (the hash {hash_cpu * 1000:.1f}; the target needs at most "
          f"{hash_cpu * 1000 / 0.8:.1f} in all)")
    print(f"  home page {home:.0f}/s, bare Flask {bare_rate:.0f}/s: {home / bare_rate:.2f} "
          f"(target ≥ 0.3) {'OK' if home / bare_rate >= 0.3 else 'BELOW TARGET'}")
    print(f"  home page p95 at 20/s: {quiet:.0f} ms alone, {during:.0f} ms during a login wave "
          f"(8 browsers logging in) (bound: < {WAVE_BOUND_MS:.0f} ms and ≤ 3× alone) "
          f"{'OK' if during < WAVE_BOUND_MS and during <= max(3 * quiet, 1) else 'ABOVE BOUND'}")
    return 0


def main_home_only(args) -> int:
    """`--home-only`: the portal with one instance of each service, 8 guardians
    of three children, then the home page against the bare Flask page."""
    wanted = {"accounts", "mailer", "notes"}
    services = {n: s for n, s in deployed_services().items() if n in wanted}
    tmp = Path(tempfile.mkdtemp(prefix="bench-home-"))
    vhosts, databases = VirtualHosts(), Databases(tmp)
    platform = Platform(vhosts, databases, "sqlite", tmp, services, env={
        "SCOLARITE_LOG_LEVEL": "WARNING", "SCOLARITE_MAILER_POLL_SECONDS": "5"})
    if args.no_view_cache:
        platform.cluster.env.pop("SCOLARITE_VIEW_CACHE", None)
    try:
        platform.start(list(services))
        idents = prepare(platform, 8)
        print(f"home page (/eleve/<id>/ of a guardian of 3 children, 8 browsers, closed loop) against a bare "
              f"Flask page under the same gunicorn; {args.seconds:.0f} s each, alternately", flush=True)
        results = home_only(platform, idents, args.rounds, args.seconds)
    finally:
        platform.stop()
        databases.cleanup()
        vhosts.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    # The median round: one round's baseline can fall with the others' load on the machine.
    ratio = statistics.median(h / b for h, _, b in results)
    rendered = statistics.median(r / b for _, r, b in results)
    print(f"  median of the rounds: {ratio:.3f} (target ≥ 0.3) {'OK' if ratio >= 0.3 else 'BELOW TARGET'}; "
          f"every home page rendered (the first after a login): {rendered:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
