"""The body of every service's `migrations/env.py` (online mode only)."""
from alembic import context

from common.db import UtcDateTime, make_engine


def _render_item(type_, obj, autogen_context):
    # Migrations name plain SQLAlchemy types, not our Python-side decorator.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(target_metadata) -> None:
    config = context.config
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things: batch mode rebuilds tables.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
