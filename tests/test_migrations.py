"""Each service's migrations build exactly the schema its models describe, on
SQLite and on PostgreSQL (a model and its migration that disagree is a bug
found at deploy time otherwise)."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.config import ROOT
from common.db import make_engine, upgrade

SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations"))


def test_every_service_with_tables_has_migrations():
    assert "accounts" in SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(service, databases, backend):
    url = databases.new(backend, f"mig_{service}")
    upgrade(service, url)
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []
