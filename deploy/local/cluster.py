"""The portal on one machine, as an académie runs it (issue 20, point 2):
every service of the deployment file with its instance count, against
RabbitMQ and, with `postgres`, PostgreSQL (one database per service, created
if missing and migrated), plus the gateway under gunicorn; stopped cleanly
(each process gets SIGTERM, finishes its workers in flight, then the next).

`python -m deploy.local.run --postgres` uses it for a person; the fault tests
and bench/deployment.py use it directly:

    deployment = LocalDeployment(var_dir, amqp_uri=..., postgres=PG_ADMIN_DSN, db_prefix="scolarite")
    deployment.prepare()     # databases created and migrated
    deployment.start()       # every process, ready
    ...
    deployment.stop()
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import yaml

from common.academie import GATEWAY_THREADS, GATEWAY_WORKERS
from common.config import ROOT
from common.db import upgrade
from common.deployment import deployed_services
from tools.cluster import Cluster

DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_in(admin_dsn: str, name: str) -> str:
    """The URL of database `name` on the server `admin_dsn` points at."""
    parsed = urlparse(admin_dsn)
    return urlunparse(parsed._replace(path="/" + name))


def create_database(admin_dsn: str, name: str) -> bool:
    """Creates it if missing; True if it was created."""
    import psycopg2

    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        conn.close()


def drop_database(admin_dsn: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


@dataclass
class LocalDeployment:
    var: Path
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    # The PostgreSQL server's admin DSN: one database per service on it. None: SQLite files under var/.
    postgres: str | None = None
    db_prefix: str = "scolarite"
    port: int = 8000
    deploy_file: Path | None = None
    # Instance counts that override the deployment file's ({service: n}).
    instances: dict = field(default_factory=dict)
    # A service's database URL given outright (e.g. its own PostgreSQL server).
    database_urls: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    gateway_workers: int = GATEWAY_WORKERS
    gateway_threads: int = GATEWAY_THREADS
    mailcatcher: bool = True

    def __post_init__(self):
        self.var = Path(self.var)
        self.var.mkdir(parents=True, exist_ok=True)
        self.services = deployed_services(self.deploy_file)
        self.created: list[str] = []
        self.cluster: Cluster | None = None

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def database_url(self, service: str) -> str:
        if service in self.database_urls:
            return self.database_urls[service]
        if self.postgres:
            return database_in(self.postgres, self.database_name(service))
        return f"sqlite:///{self.var / (service + '.db')}"

    def instance_count(self, service: str) -> int:
        return int(self.instances.get(service, self.services[service].get("instances", 1)))

    def prepare(self) -> None:
        """Each service's database created (PostgreSQL) and migrated: a
        deploy step, before any instance starts."""
        for service in self.services:
            if not (ROOT / "services" / service / "migrations").exists():
                continue
            if self.postgres and service not in self.database_urls:
                if create_database(self.postgres, self.database_name(service)):
                    self.created.append(self.database_name(service))
            upgrade(service, self.database_url(service))

    def process_env(self) -> dict:
        env = {"AMQP_URI": self.amqp_uri, "SCOLARITE_VAR_DIR": str(self.var)}
        if self.deploy_file is not None:
            env["SCOLARITE_DEPLOY_FILE"] = str(self.deploy_file)
        for service in self.services:
            env[f"{service.upper()}_DATABASE_URL"] = self.database_url(service)
        env.update(self.env)
        return env

    def build(self) -> Cluster:
        env = self.process_env()
        self.cluster = Cluster(env, self.var / "logs")
        catching = self.mailcatcher and "mailer" in self.services and "SCOLARITE_SMTP_HOST" not in {
            **os.environ, **env}
        if catching:
            self.cluster.mailcatcher()
        for service in self.services:
            for instance in range(1, self.instance_count(service) + 1):
                self.cluster.service(service, instance)
        self.cluster.gateway(self.port, workers=self.gateway_workers, threads=self.gateway_threads)
        return self.cluster

    def start(self, timeout: float = 120) -> Cluster:
        cluster = self.cluster or self.build()
        cluster.start_all(timeout)
        return cluster

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop_all()

    def drop_databases(self) -> None:
        """The databases this deployment created (tests and benchmarks)."""
        for name in self.created:
            drop_database(self.postgres, name)
        self.created.clear()


def write_deploy_file(path: Path, services: dict) -> Path:
    """A deployment file listing `services` ({name: settings}), for tests and benchmarks."""
    path.write_text(yaml.safe_dump({"services": services}), encoding="utf-8")
    return path
