"""`python -m common.migrate --check <service>`: what keeps a new version's pods
from starting on a database its migration Job has not upgraded (the init
container of every Deployment), on both databases."""
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from common import migrate
from common.db import alembic_config, make_engine, upgrade


@pytest.fixture
def run_check(monkeypatch, capsys):
    def run(service: str, url: str):
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", url)
        code = migrate.main(["--check", service])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)
    return run


def test_check_refuses_a_database_behind_and_accepts_it_once_migrated(databases, backend, run_check):
    url = databases.new(backend, "check")
    empty = run_check("notes", url)
    assert empty.returncode == 1
    assert "database at empty" in empty.stderr and "python -m common.migrate notes" in empty.stderr

    config = alembic_config("notes", url)
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())  # newest first
    assert len(revisions) >= 2, "notes needs two migrations for this test"
    command.upgrade(config, revisions[1].revision)  # the previous release's schema
    behind = run_check("notes", url)
    assert behind.returncode == 1
    assert revisions[1].revision in behind.stderr and revisions[0].revision in behind.stderr

    upgrade("notes", url)
    assert run_check("notes", url).returncode == 0


def test_check_lets_the_previous_version_start_after_a_rollback(databases, backend, run_check):
    """A database migrated by a newer version (unknown revision here): the rollback starts."""
    url = databases.new(backend, "rollback")
    upgrade("notes", url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    engine.dispose()
    done = run_check("notes", url)
    assert done.returncode == 0, done.stderr
    assert "a rollback" in done.stdout
