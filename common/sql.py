"""A service's database engine and the column type every service uses,
without Nameko: common/db.py re-exports them beside its Nameko dependency; a
process that needs only them imports this module
(services/accounts/import_child.py)."""
from datetime import timezone

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import DateTime, TypeDecorator


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
