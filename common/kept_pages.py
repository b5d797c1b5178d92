"""Families' pages kept by the service that builds them, and named by a
version that the gateway sends back (docs/performance.md, "The notes and vie
scolaire pages").

A page is built from the service's rows, the clock and the viewer's previous
connection. The service keeps what it built, per process, under a key made
of what it was built from:

- the establishment's **page generation**, a counter that every commit
  changing one of the service's rows moves, in the same transaction
  (`track_changes`: session events, so no write path can forget it); a rows
  change committed before a page is asked for is seen by that page;
- the child, the viewer's rights (role, adult student), the viewer's previous
  connection and whatever else the page depends on;
- an instant range: from when it was built to the next instant the clock
  changes what it shows (the next publication, the next midnight).

The version is a digest of the page's content and of the child context it
was built for: two instances of the service give the same version for the
same page, and a version never names another child's page.
"""
import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime, time, timedelta
from itertools import chain

from sqlalchemy import Column, Integer, String, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.clock import PARIS

# The generation of rows that name no establishment: moved, it changes every
# establishment's pages.
EVERYWHERE = "*"
_CHANGED = "kept_pages.changed"


class PageGenerationMixin:
    """A service adds `class PageGeneration(PageGenerationMixin, Base)` to its
    models, a migration creating it (a revision whose upgrade and downgrade
    call `create_table_migration(op)` and `drop_table_migration(op)`), and
    calls `track_changes`."""

    __tablename__ = "page_generation"

    etablissement_uai: Mapped[str] = mapped_column(String(8), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)


def create_table_migration(op) -> None:
    """What every service's page-generation revision does (its `upgrade`).

    The columns are spelled here as the table was first created, not taken
    from the mixin: a later change to the model then makes
    tests/test_migrations.py fail until a new revision carries it to the
    databases already migrated, instead of silently changing this one."""
    op.create_table(
        PageGenerationMixin.__tablename__,
        Column("etablissement_uai", String(length=8), primary_key=True),
        Column("generation", Integer(), nullable=False),
    )


def drop_table_migration(op) -> None:
    """The revision's `downgrade`."""
    op.drop_table(PageGenerationMixin.__tablename__)


def _uai_of(_session, obj) -> str | None:
    return getattr(obj, "etablissement_uai", None)


def track_changes(base, model, scopes=None, ignored=()) -> None:
    """Every commit of a session that added, changed or deleted rows of
    `base`'s models moves the generation of each establishment they name (the
    row's `etablissement_uai`, or `scopes[cls](session, obj)`), in the same
    transaction. A row naming none, and any UPDATE or DELETE statement run on
    those tables, moves every establishment's. `ignored`: models no page
    reads (a row's history)."""
    scopes = dict(scopes or {})
    tables = {m.class_.__table__ for m in base.registry.mappers
              if m.class_ is not model and m.class_ not in ignored}
    # Per tracker: several services' models may share a test process.
    changed_key = f"{_CHANGED}.{id(base)}"

    def _mark(session, uai):
        session.info.setdefault(changed_key, set()).add(uai or EVERYWHERE)

    @event.listens_for(Session, "before_flush")
    def _collect(session, _flush_context, _instances):
        for obj in chain(session.new, session.dirty, session.deleted):
            if not isinstance(obj, base) or isinstance(obj, (model, *ignored)):
                continue
            if obj in session.dirty and not session.is_modified(obj):
                continue
            _mark(session, scopes.get(type(obj), _uai_of)(session, obj))

    @event.listens_for(Session, "do_orm_execute")
    def _statements(state):
        if (state.is_update or state.is_delete) and getattr(state.statement, "table", None) in tables:
            _mark(state.session, EVERYWHERE)

    @event.listens_for(Session, "before_commit")
    def _move(session):
        session.flush()
        changed = session.info.pop(changed_key, None)
        # In a fixed order: two writers never wait on each other's rows crosswise.
        for uai in sorted(changed or ()):
            _bump(session, model, uai)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop(changed_key, None)


def _bump(session, model, uai: str) -> None:
    table = model.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).values(etablissement_uai=uai, generation=1).on_conflict_do_update(
        index_elements=[table.c.etablissement_uai], set_={"generation": table.c.generation + 1}))


_GENERATION_STATEMENTS: dict = {}


def generation(session, model, uai: str) -> int:
    """The establishment's page generation: it only grows, and moves with
    every committed change of its rows (one statement, built once per model:
    built at each call, SQLAlchemy's construction cost several times its run,
    and it is on every page's path)."""
    statement = _GENERATION_STATEMENTS.get(model)
    if statement is None:
        statement = _GENERATION_STATEMENTS[model] = (
            select(func.coalesce(func.sum(model.generation), 0))
            .where(model.etablissement_uai.in_((bindparam("uai"), bindparam("everywhere")))))
    return session.connection().execute(statement, {"uai": uai, "everywhere": EVERYWHERE}).scalar_one()


def next_midnight(now: datetime) -> datetime:
    """The next midnight in France: the day a page shows ("today", the school
    year, the current period) changes then."""
    day = now.astimezone(PARIS).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=PARIS)


def version_of(page: dict, child: dict) -> str:
    """A digest of the page's content and of the child context it was built for."""
    return hashlib.sha256(json.dumps([page, child], sort_keys=True, default=str).encode()).hexdigest()[:32]


class KeptPages:
    """At most `size` pages, the least recently used dropped first; a page is
    used only between the instant it was built and the instant it was said
    to be good until, by the service's clock."""

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now: datetime) -> dict | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            page, built_at, until = entry
            if not built_at <= now < until:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, page: dict, now: datetime, until: datetime) -> None:
        with self._lock:
            self._pages[key] = (page, now, until)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
