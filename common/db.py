"""Database access for a service: engine, per-worker session, migrations.

A service owns its database (ARCHITECTURE rule 1): its URL comes from
`<SERVICE>_DATABASE_URL` (SQLite file by default, PostgreSQL in production).
"""
from pathlib import Path
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session, sessionmaker

# The engine and the column type live in common/sql.py (without Nameko, for a
# process that needs only them: services/accounts/import_child.py), and here for everyone.
from common.sql import UtcDateTime, make_engine, normalize_url  # noqa: F401

_green_patched = False


def make_green():
    """Let psycopg2 wait on sockets through eventlet's hub instead of blocking
    the whole service process during a query (psycogreen)."""
    global _green_patched
    if _green_patched:
        return
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _green_patched = True


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
