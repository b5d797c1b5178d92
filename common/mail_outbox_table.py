"""The `mail_outbox` table (common/mail_outbox.py says what it is for), apart
from the code that hands its rows over: a service's models define it, and what
imports only the models (a large import's child process,
services/accounts/import_child.py) does not load Nameko and eventlet with it."""
from sqlalchemy import Column, Index, MetaData, String, Table, Text

from common.sql import UtcDateTime

TABLE = "mail_outbox"


def _columns():
    return [
        Column("request_id", String(64), primary_key=True),
        Column("created_at", UtcDateTime(), nullable=False),
        # The checked request (common.mail.mail_request), as JSON as the event carries it (kombu's).
        Column("request", Text, nullable=False),
    ]


def define_table(metadata: MetaData) -> Table:
    """The table in a service's own metadata (its models.py calls this)."""
    return Table(TABLE, metadata, *_columns(), Index("ix_mail_outbox_created_at", "created_at"))


def create_table_migration(op) -> None:
    """What every mailing service's revision does (its `upgrade`), spelled as
    the table was first created (see common.idempotency)."""
    from sqlalchemy import DateTime

    op.create_table(
        TABLE,
        Column("request_id", String(length=64), nullable=False, primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("request", Text(), nullable=False),
    )
    op.create_index("ix_mail_outbox_created_at", TABLE, ["created_at"], unique=False)


def drop_table_migration(op) -> None:
    """The revision's `downgrade`."""
    op.drop_index("ix_mail_outbox_created_at", table_name=TABLE)
    op.drop_table(TABLE)
