"""Database access for a service: engine, per-worker session, migrations.

A service owns its database (ARCHITECTURE rule 1): its URL comes from
`<SERVICE>_DATABASE_URL` (SQLite file by default, PostgreSQL in production).
"""
from datetime import timezone
from pathlib import Path
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

_green_patched = False


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        # SQLite stores the wall-clock digits: store them in UTC, always.
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def make_green():
    """Let psycopg2 wait on sockets through eventlet's hub instead of blocking
    the whole service process during a query (psycogreen)."""
    global _green_patched
    if _green_patched:
        return
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _green_patched = True


def normalize_url(url: str) -> str:
    """SQLAlchemy 2.1 maps `postgresql://` to psycopg 3; we ship psycopg2
    (psycogreen makes it cooperate with eventlet)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, pool_size: int = 5, connect_timeout: int | None = None) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers proceed while a writer commits; foreign keys
            # are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    connect_args = {"connect_timeout": connect_timeout} if connect_timeout else {}
    return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True, connect_args=connect_args)


class Database(DependencyProvider):
    """A SQLAlchemy session per worker; the entrypoint commits before it returns
    (Nameko sends the reply before after-call hooks run)."""

    def setup(self):
        config = self.container.config
        url = config["DATABASE_URL"]
        if url.startswith("postgresql"):
            make_green()
        self.engine = make_engine(url, pool_size=config.get("max_workers", 10))
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.sessions = WeakKeyDictionary()

    def get_dependency(self, worker_ctx):
        # Kept here, not in worker_ctx.data: that is the call context Nameko
        # copies into the headers of every message the worker sends.
        session = self.sessionmaker()
        self.sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()

    def stop(self):
        self.engine.dispose()


def migrations_dir(service: str) -> Path:
    from common.config import ROOT

    return ROOT / "services" / service / "migrations"


def alembic_config(service: str, url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir(service)))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(service, url), "head")


def new_session(url: str) -> Session:
    return sessionmaker(bind=make_engine(url), expire_on_commit=False)()
