import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
import requests
import yaml

from common.clock import Clock
from common.config import ROOT
from common.db import new_session, upgrade
from common.deployment import REQUIRED
from tools.cluster import Cluster

RUN_ID = uuid.uuid4().hex[:8]
PG_ADMIN_DSN = os.environ.get("SCOLARITE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
BROKER = os.environ.get("SCOLARITE_TEST_BROKER", "127.0.0.1:5672")
REDIS = os.environ.get("SCOLARITE_TEST_REDIS", "127.0.0.1:6379")


def _redis_running() -> bool:
    host, port = REDIS.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def _erlang_list(names) -> str:
    # The names are ours: letters, digits and hyphens only.
    return "[" + ", ".join(f'<<"{name}">>' for name in names) + "]"


class VirtualHosts:
    """One RabbitMQ virtual host per need, all deleted at the end of the run.

    They are made a few at a time (2, then 4, then 8) by one `rabbitmqctl eval`:
    each rabbitmqctl starts an Erlang node (about 5 s on a busy machine), and a
    host took two of them (the host, then its permissions)."""

    def __init__(self):
        self.created = []
        self.ready = []
        self.batch = 2

    def new(self, label: str) -> str:
        """A host of its own for `label`'s need (the label is for the reader of this code only)."""
        if not self.ready:
            names = [f"scolarite-test-{RUN_ID}-{uuid.uuid4().hex[:8]}" for _ in range(self.batch)]
            self.created += names
            _rabbitmqctl("eval", "[begin ok = rabbit_vhost:add(V, <<\"tests\">>), "
                         "ok = rabbit_auth_backend_internal:set_permissions(<<\"guest\">>, V, "
                         "<<\".*\">>, <<\".*\">>, <<\".*\">>, <<\"tests\">>) end "
                         f"|| V <- {_erlang_list(names)}], ok.")
            self.ready += names
            self.batch = min(2 * self.batch, 8)
        return f"amqp://guest:guest@{BROKER}/{self.ready.pop(0)}"

    def cleanup(self):
        if self.created:
            # One node for all; a host a test removed already is no error.
            subprocess.run(["rabbitmqctl", "-q", "eval", "[catch rabbit_vhost:delete(V, <<\"tests\">>) "
                            f"|| V <- {_erlang_list(self.created)}], ok."], capture_output=True, timeout=300)


class Databases:
    """Fresh databases per need: SQLite files, or PostgreSQL databases named after the run.

    A migrated database is a copy of one this process migrated once per
    service and backend (`migrated`): a file copy on SQLite, a database made
    from a template on PostgreSQL. Migrating each anew cost a test more than
    its own work; the migrations themselves have their tests (tests/test_migrations.py).
    A PostgreSQL one handed back (`release`) is emptied and given to the next
    need of its service: a DROP DATABASE waits for a checkpoint (above a second
    on a busy machine), emptying it takes milliseconds."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pg_created = []
        self.templates = {}
        self.relations = {}  # service -> its template's tables and sequences (_pg_relations)
        self.leased = {}  # url -> service, PostgreSQL databases handed out by `migrated`
        self.free = defaultdict(list)  # service -> urls of emptied databases

    def new(self, backend: str, label: str, template: str | None = None) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / (label + '-' + uuid.uuid4().hex[:6] + '.db')}"
        name = f"scolarite_test_{RUN_ID}_{label}_{uuid.uuid4().hex[:6]}"
        conn = psycopg2.connect(PG_ADMIN_DSN)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        conn.close()
        self.pg_created.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def migrated(self, backend: str, service: str) -> str:
        """A fresh database of `service` at its latest migration."""
        template = self.templates.get((backend, service))
        if template is None:
            template = self.templates[backend, service] = self.new(backend, f"{service}_template")
            upgrade(service, template)  # its engine is disposed: nothing stays connected to the template
            if backend == "postgresql":
                self.relations[service] = _pg_relations(template)
        if backend == "sqlite":
            source = Path(template.removeprefix("sqlite:///"))
            # The engine closed its last connection: the log was folded into the file.
            assert not source.with_name(source.name + "-wal").exists(), source
            url = self.new(backend, service)
            shutil.copyfile(source, url.removeprefix("sqlite:///"))
            return url
        if self.free[service]:
            # Under a name of its own: what a process keeps keyed by a database's
            # URL (common/kept_pages.py) must not outlive the test that used it.
            url = self._rename(self.free[service].pop(), service)
        else:
            url = self.new(backend, service, template=template.rsplit("/", 1)[1])
        self.leased[url] = service
        return url

    def _rename(self, url: str, label: str) -> str:
        old, name = url.rsplit("/", 1)[1], f"scolarite_test_{RUN_ID}_{label}_{uuid.uuid4().hex[:6]}"
        conn = psycopg2.connect(PG_ADMIN_DSN)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{old}" RENAME TO "{name}"')
        conn.close()
        self.pg_created[self.pg_created.index(old)] = name
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def release(self, url: str) -> None:
        """Hands back a database from `migrated` once nothing uses it any more:
        a PostgreSQL one is emptied (every row deleted, every sequence back at
        its start, as in the template) for the next need of its service; one
        whose tables or migration differ from the template's is left for cleanup."""
        service = self.leased.pop(url, None)
        if service is None:
            return
        expected = self.relations[service]
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                # A connection a test left open must not hold a lock on a table.
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                cur.execute("SET LOCAL lock_timeout = '10s'")
                # Foreign keys are not checked while emptying (rows go in any order).
                cur.execute("SET LOCAL session_replication_role = replica")
                if _pg_relations(cur) != expected:
                    conn.rollback()
                    return
                tables, sequences = expected
                cur.execute("".join(f'DELETE FROM "{t}";' for t, _ in tables if t != "alembic_version")
                            + "".join(f'ALTER SEQUENCE "{s}" RESTART;' for s in sequences))
            conn.commit()
        finally:
            conn.close()
        self.free[service].append(url)

    def cleanup(self):
        if not self.pg_created:
            return
        conn = psycopg2.connect(PG_ADMIN_DSN)
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in self.pg_created:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def _pg_relations(where) -> tuple:
    """A PostgreSQL database's tables (with alembic's version) and sequences;
    `where` is its URL or a cursor on it."""
    if isinstance(where, str):
        conn = psycopg2.connect(where)
        try:
            with conn.cursor() as cur:
                return _pg_relations(cur)
        finally:
            conn.close()
    where.execute("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1")
    rows = where.fetchall()
    where.execute("SELECT version_num FROM alembic_version ORDER BY 1")
    tables = tuple((name, tuple(where.fetchall()) if name == "alembic_version" else None)
                   for name, kind in rows if kind == "r")
    return tables, tuple(name for name, kind in rows if kind == "S")


@pytest.fixture(scope="session")
def vhosts():
    hosts = VirtualHosts()
    yield hosts
    hosts.cleanup()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def clock(tmp_path):
    """The injectable clock, moved by tests instead of sleeping."""
    c = Clock(str(tmp_path / "clock.json"))
    c.set_offset(0)
    return c


@contextmanager
def migrated_session(databases, backend, service):
    """A session on a fresh database of `service`, closed at the end and the
    database handed back (Databases.release)."""
    url = databases.migrated(backend, service)
    session = new_session(url)
    try:
        yield session
    finally:
        session.close()
        session.get_bind().dispose()
        databases.release(url)


@pytest.fixture
def accounts_db(databases, backend):
    with migrated_session(databases, backend, "accounts") as session:
        yield session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    """The services and the gateway, each its own process, on a virtual host
    and databases of this run; started as `make run` starts them."""

    def __init__(self, vhosts, databases, backend, tmp: Path, services: dict, extra_services=(), env=None):
        self.tmp = tmp
        self.amqp_uri = vhosts.new(f"{backend}-{uuid.uuid4().hex[:4]}")
        self.clock = Clock(str(tmp / "clock.json"))
        self.clock.set_offset(0)
        deploy = tmp / "services.yml"
        # A deployment always lists the required services, started or not.
        deploy.write_text(yaml.safe_dump({"services": {**{name: {"required": True} for name in REQUIRED}, **services}}))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        overrides, env = env or {}, {
            "AMQP_URI": self.amqp_uri,
            "SCOLARITE_VAR_DIR": str(tmp / "var"),
            "SCOLARITE_CLOCK_FILE": str(tmp / "clock.json"),
            "SCOLARITE_DEPLOY_FILE": str(deploy),
            "SCOLARITE_DEV": "1",
            "SCOLARITE_MENU_TIMEOUT": "1.0",
            # Tests log in far more often than a person; the limits have tests of their own.
            "SCOLARITE_RATELIMIT_LOGIN": "10000 per minute",
            "SCOLARITE_RATELIMIT_RECOVERY": "10000 per minute",
            # The links in mails and the address on letters point at this gateway.
            "SCOLARITE_PUBLIC_URL": self.base_url,
            # The daily purge runs when a test asks (run_daily_jobs), not while
            # another test has moved the clock.
            "SCOLARITE_JOBS_CHECK_SECONDS": "86400",
            "SCOLARITE_LOG_LEVEL": "INFO",
        }
        if _redis_running():
            # Pages read the session's view from the shared cache, as `make run`
            # serves them (gateway/view_cache.py); keys of this platform only.
            env.update({"SCOLARITE_VIEW_CACHE": f"redis://{REDIS}/0",
                        "SCOLARITE_VIEW_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:12]}"})
        self.databases, self.database_urls, self.stopped = databases, [], False
        for service in list(services) + list(extra_services):
            if (ROOT / "services" / service / "migrations").exists():
                url = databases.migrated(backend, service)
                self.database_urls.append(url)
                env[f"{service.upper()}_DATABASE_URL"] = url
        self.mail_dir = None
        if "mailer" in services:
            # Every mail goes to the local catcher; tests read it back (`mailbox`).
            self.mail_dir, smtp_port = tmp / "mail", free_port()
            env.update({"SCOLARITE_SMTP_HOST": "127.0.0.1", "SCOLARITE_SMTP_PORT": str(smtp_port),
                        "SCOLARITE_MAIL_CATCHER_DIR": str(self.mail_dir),
                        # What is recorded is sent at once (the doorbell); the poll
                        # only finds what falls due, and an idle mailer polling every
                        # 0.1 s took a tenth of a core per platform.
                        "SCOLARITE_MAILER_POLL_SECONDS": "0.5"})
        env.update(overrides)
        self.env = env
        self.cluster = Cluster(env, tmp / "logs")
        if self.mail_dir is not None:
            self.cluster.mailcatcher(self.mail_dir, int(env["SCOLARITE_SMTP_PORT"]))

    def start(self, services, gateway=True):
        assert not self.stopped, "a stopped platform has handed its databases back"
        for name in services:
            self.cluster.service(name)
        if gateway:
            self.cluster.gateway(self.port)
        self.cluster.start_all()
        if gateway:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(self.base_url + "/connexion", timeout=5).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    # Not listening yet, or a first answer slowed by a busy machine.
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("gateway not answering; see " + str(self.tmp / "logs"))
                time.sleep(0.2)
        return self

    def rpc(self, timeout=30):
        from common.rpc_client import RpcClient

        return RpcClient(self.amqp_uri, timeout=timeout, client_name="test")

    def stop(self):
        """Ends its processes for good, side by side (end_together), and hands
        its databases back (Databases.release)."""
        end_together([self.cluster])
        if not self.stopped:
            self.stopped = True
            for url in self.database_urls:
                self.databases.release(url)

    def mailbox(self, to: str | None = None) -> list[dict]:
        """The mails the local catcher kept, oldest first (to one address if
        given): {"to", "subject", "text", "html"} as a person would read them."""
        from tools.mailcatcher import Mailbox

        out = []
        for message in Mailbox(self.mail_dir).messages():
            recipients = [a.strip().lower() for a in (message.get_all("X-Envelope-To") or [""])[0]
                          .replace("<", "").replace(">", "").split(",") if a.strip()]
            if to is not None and to.lower() not in recipients:
                continue
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
            out.append({"to": recipients, "subject": str(message["Subject"] or ""),
                        "text": text.get_content() if text is not None else "",
                        "html": html.get_content() if html is not None else ""})
        return out

    def log(self, name) -> str:
        return (self.tmp / "logs" / f"{name}.log").read_text()


def end_together(clusters) -> None:
    """Ends every process of these clusters at once, with SIGKILL to its
    process group (a gateway's workers too), then waits for each.

    A platform is ended once its tests are over: nothing is checked on its
    way out. The graceful stop (SIGTERM) it replaces took 3 to 4 s per
    platform on a busy machine (each service and the gateway 3.3 to 3.5 s
    after the signal; Nameko's consumers look whether to stop once a second),
    19 s once for tests/e2e/test_accounts_purge_timer.py's, and how it ended
    was never checked: Process.wait_stopped kills what takes longer than 25 s
    without a word. A service stopped by SIGTERM
    in the middle of a test, and what it leaves to the broker, is what
    tests/faults and tests/messaging go through (Process.stop)."""
    running = [proc for cluster in clusters for proc in cluster.processes.values() if proc.running]
    for proc in running:
        proc.send_signal(signal.SIGKILL)
    for proc in running:
        proc.wait_stopped()


def stop_platforms(platforms) -> None:
    """Ends several platforms at once: every process is sent its signal
    before any is waited for."""
    platforms = list(platforms)
    end_together([p.cluster for p in platforms])
    for p in platforms:
        p.stop()


@pytest.fixture(scope="session")
def shared_platforms(vhosts, databases):  # stopped before their hosts and databases go
    """The `platform` of each backend, started on first need and kept until
    the end of the process: a process running test files one after the other
    would otherwise stop and start them again at every file (pytest keeps one
    instance of a parametrized fixture at a time)."""
    platforms = {}
    yield platforms
    stop_platforms(platforms.values())


# The backend of the journeys walked over real processes (tests/e2e/, and the
# other files that start a platform to walk through it): PostgreSQL, what an
# académie deploys. The browser tests walk the pages on SQLite, as `make run`
# serves them (tests/browser/conftest.py), and every service's unit tests run
# each rule on both backends (the `backend` fixture above): walking every
# journey on SQLite too took about 220 of the suite's 3,062 test-seconds
# (2026-12-03) and tested no rule the unit tests do not.
E2E_BACKENDS = ["postgresql"]


def platform_on(backends: list[str]):
    """The `platform` fixture on these backends: the process's shared
    platform of each (accounts + gateway, and the services later issues add)."""
    @pytest.fixture(scope="session", params=backends)
    def platform(request, shared_platforms, vhosts, databases, tmp_path_factory):
        return shared_platform(request.param, shared_platforms, vhosts, databases, tmp_path_factory)
    return platform


# tests/browser/ and tests/test_demo.py have their own: SQLite.
platform = platform_on(E2E_BACKENDS)


def shared_platform(backend: str, shared_platforms, vhosts, databases, tmp_path_factory):
    """The process's shared platform on this backend, started on first need."""
    if backend not in shared_platforms:
        services = {"accounts": {"required": True}, "mailer": {"required": True},
                    "notes": {"label": "Notes", "order": 20}, "lsl": {"label": "Livret scolaire", "order": 40}}
        p = Platform(vhosts, databases, backend, tmp_path_factory.mktemp(f"platform-{backend}"), services)
        shared_platforms[backend] = p.start(services)
    return shared_platforms[backend]


def pytest_configure(config):
    """Under pytest alone (bench/ imports this module too, and hashes at the
    production cost): chosen passwords hashed with a light Argon2id, in this
    process and in every service process a test starts (docs/security.md)."""
    from services.accounts import passwords

    os.environ["SCOLARITE_TEST_LIGHT_HASH"] = "1"
    passwords.set_cost(light=True)


def pytest_addoption(parser):
    parser.addoption("--reverse", action="store_true",
                     help="run the collected tests in reverse order: a test that needs another to run first fails")
    parser.addoption("--screenshots", action="store_true",
                     help="the browser tests save each page they check under var/screenshots/ (`make screenshots`)")


# `make test` hands the files out in the order collected (`--dist loadfile
# --no-loadscope-reorder`; pytest-xdist otherwise puts the files with the most
# tests first, and a file of one long test last): the folders whose
# files start processes of their own (a broker node, platforms, Chromium) and
# last longest first, the many short unit-test files last, so that the run ends
# on short files in every process rather than on one long file in one process
# while the others wait (a whole run ended so: 840, 897 and 927 s).
HEAVY_FIRST = ("tests/faults/", "tests/browser/", "tests/e2e/", "tests/messaging/", "tests/mailer/", "tests/deploy/")


def _heaviness(item) -> int:
    return next((rank for rank, folder in enumerate(HEAVY_FIRST) if item.nodeid.startswith(folder)),
                len(HEAVY_FIRST))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    items.sort(key=_heaviness)  # stable: each file's tests stay together and in order
    if config.getoption("--reverse"):
        items.reverse()
