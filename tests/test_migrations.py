"""Each service's migrations build exactly the schema its models describe, on
SQLite and on PostgreSQL (a model and its migration that disagree is a bug
found at deploy time otherwise). The services are those that have models, so
a new service whose migrations are missing fails here, not at its first start."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from common.config import ROOT
from common.db import make_engine, upgrade

SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/models.py"))


def test_the_services_are_found_from_their_models():
    assert {"accounts", "mailer", "notes"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_with_models_has_migrations(service):
    versions = ROOT / "services" / service / "migrations" / "versions"
    assert (ROOT / "services" / service / "migrations" / "env.py").is_file(), f"{service}: no migrations/env.py"
    assert any(versions.glob("*.py")), f"{service}: no migration under {versions.relative_to(ROOT)}"


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models(service, databases, backend):
    url = databases.new(backend, f"mig_{service}")
    upgrade(service, url)
    metadata = importlib.import_module(f"services.{service}.models").Base.metadata
    assert metadata.tables, f"{service}: models.py declares no table"
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []
