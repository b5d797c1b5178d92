"""Commands run once per idempotency key.

A client may send a command twice: its publish is retried after a lost
confirm or a closed connection, and the gateway asks again, with the same key,
a command whose answer did not come in time (docs/messaging.md). Every call
from `common.rpc_client` carries a key (the `idempotency_key` header);
`common.messaging.CallContext` takes it out of the call's context (so that
the events and calls the worker makes do not carry it) and `@command` uses it:

    @rpc
    @command
    def create_staff_account(self, payload): ...

The first call with a key runs; its row in the service's own `command_records`
table is written in the same transaction as the command's first commit, so
the command's changes and "this key ran" are saved together or not at all.
Its answer (result, or the typed error it raised) is then stored, and a call
with the same key gets that answer without running again. A call that comes
while the first one has committed but not answered yet gets CommandInProgress.

The stored answer can hold secrets (a session token, provisional passwords):
it is encrypted with a key derived from the idempotency key, which only the
caller holds, and the row is found by a hash of it. Rows are dropped after
RETENTION. A service with commands needs `db` (common.db.Database) and
`clock` (common.clock.ClockProvider), and the table in its models
(`define_table(Base.metadata)`) and in its migrations (a revision whose
upgrade and downgrade call `create_table_migration(op)` and
`drop_table_migration(op)`).
"""
import base64
import functools
import hashlib
import logging
from datetime import timedelta

import kombu.utils.json
from nameko.exceptions import deserialize, serialize
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, delete, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from common.sql import UtcDateTime
from contract.errors import CommandInProgress, ServiceError

# cryptography (the sealed answers) and the messaging (the key of the call)
# are imported where they are used: a process that only writes the table
# (the accounts import's child, services/accounts/import_child.py) does not load them.

RETENTION = timedelta(days=1)

log = logging.getLogger(__name__)

TABLE = "command_records"


def _columns():
    return [
        # sha256 of the service, the method and the key: the key itself is never stored.
        Column("key_hash", String(64), primary_key=True),
        Column("method", String(100), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        # None while the command runs; "result" or "error" once it answered.
        Column("outcome", String(10)),
        Column("answer", Text),
    ]


def define_table(metadata: MetaData) -> Table:
    """The table in a service's own metadata (its models.py calls this)."""
    return Table(TABLE, metadata, *_columns(), Index("ix_command_records_created_at", "created_at"))


records = define_table(MetaData())


def create_table_migration(op) -> None:
    """What every service's command-records revision does (its `upgrade`).

    The columns are spelled here as the table was first created, not taken
    from `_columns()`: a later change to the model then makes
    tests/test_migrations.py fail until a new revision carries it to the
    databases already migrated, instead of silently changing this one."""
    op.create_table(
        TABLE,
        Column("key_hash", String(length=64), nullable=False, primary_key=True),
        Column("method", String(length=100), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("outcome", String(length=10), nullable=True),
        Column("answer", Text(), nullable=True),
    )
    op.create_index("ix_command_records_created_at", TABLE, ["created_at"], unique=False)


def drop_table_migration(op) -> None:
    """The revision's `downgrade`."""
    op.drop_index("ix_command_records_created_at", table_name=TABLE)
    op.drop_table(TABLE)


def _hash(service: str, method: str, key: str) -> str:
    return hashlib.sha256(f"{service}.{method}|{key}".encode()).hexdigest()


def _fernet(key: str):
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"answer|{key}".encode()).digest()))


def _seal(key: str, value) -> str:
    return _fernet(key).encrypt(kombu.utils.json.dumps(value).encode()).decode()


def _open(key: str, sealed: str):
    return kombu.utils.json.loads(_fernet(key).decrypt(sealed.encode()).decode())


def _replay(row, key: str):
    if row.outcome == "result":
        return _open(key, row.answer)
    if row.outcome == "error":
        raise deserialize(_open(key, row.answer))
    raise CommandInProgress(f"{row.method}: déjà en cours")


_ELSEWHERE = "idempotency.record_elsewhere"


def write_record(session, values: dict) -> None:
    """The row saying a key ran (`values`: key_hash, method, created_at), and
    the rows past RETENTION dropped, in `session`'s transaction."""
    session.execute(delete(records).where(records.c.created_at < values["created_at"] - RETENTION))
    session.execute(insert(records).values(**values))


def record_elsewhere(db):
    """For a command whose changes another connection commits (the accounts
    import run in a child process, services/accounts/import_child.py): the
    values of the row saying this key ran, for that connection to write with
    `write_record` in the same transaction, and the function to call once it
    committed (the answer is then stored on that row). (None, None) outside a
    command with a key."""
    return db.info.get(_ELSEWHERE, (None, None))


def command(fn):
    """Marks an RPC method as a command: a method that changes something and
    must not do it twice for one request. Without an idempotency key (a unit
    test calling the method directly) it simply runs."""

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        from common.messaging import idempotency_key

        key = idempotency_key.get()
        if key is None:
            return fn(self, *args, **kwargs)
        return _run_once(self, fn, key, args, kwargs)

    wrapper.is_command = True
    return wrapper


def _run_once(service, fn, key, args, kwargs):
    db, now = service.db, service.clock.now()
    method = f"{service.name}.{fn.__name__}"
    key_hash = _hash(service.name, fn.__name__, key)
    row = db.execute(select(records).where(records.c.key_hash == key_hash)).first()
    db.rollback()
    if row is not None:
        log.info("command %s asked again: answered from its record (%s)", method, row.outcome or "in progress")
        return _replay(row, key)
    written = []
    values = {"key_hash": key_hash, "method": method, "created_at": now}

    def _record(session):
        # Written by the command's first commit, in the same transaction.
        if not written:
            written.append(True)
            write_record(session, values)

    event.listen(db, "before_commit", _record)
    db.info[_ELSEWHERE] = (values, lambda: written.append(True))
    try:
        result = fn(service, *args, **kwargs)
    except Exception as exc:
        event.remove(db, "before_commit", _record)
        db.info.pop(_ELSEWHERE, None)
        db.rollback()
        if isinstance(exc, IntegrityError):
            # Another call with this key committed first: this one's changes
            # were rolled back with its failed commit; answer as that call did.
            row = db.execute(select(records).where(records.c.key_hash == key_hash)).first()
            db.rollback()
            if row is not None:
                return _replay(row, key)
        if written or isinstance(exc, ServiceError):
            # Something was committed, or the refusal is the answer: a replay
            # gets the same error instead of running again.
            _store(db, key_hash, method, now, key, "error", serialize(exc), exists=bool(written))
        raise
    event.remove(db, "before_commit", _record)
    db.info.pop(_ELSEWHERE, None)
    _store(db, key_hash, method, now, key, "result", result, exists=bool(written))
    log.info("command %s done", method)
    return result


def _store(db, key_hash, method, now, key, outcome, value, exists):
    values = {"outcome": outcome, "answer": _seal(key, value)}
    if exists:
        db.execute(update(records).where(records.c.key_hash == key_hash).values(**values))
    else:
        db.execute(insert(records).values(key_hash=key_hash, method=method, created_at=now, **values))
    try:
        db.commit()
    except IntegrityError:
        # A concurrent call with this key recorded its answer first; it stands.
        db.rollback()
