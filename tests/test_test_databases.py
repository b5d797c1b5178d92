"""The test databases (tests/fixtures.py, Databases): each need gets a
database as a fresh migration leaves it, even when it is a copy of a template
or a PostgreSQL database another test handed back."""
import pytest
from sqlalchemy import text

from common.db import new_session, upgrade
from services.notes.models import Matiere
from tests.fixtures import migrated_session


def _contents(session) -> dict:
    """Every table's rows and the next identifier each sequence would give."""
    tables = [name for (name,) in session.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        if session.get_bind().dialect.name == "sqlite" else
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
    return {name: sorted(map(tuple, session.execute(text(f'SELECT * FROM "{name}"')))) for name in sorted(tables)}


def _next_id(session) -> int:
    row = Matiere(etablissement_uai="0591234X", code="MATHS", libelle="Mathématiques")
    session.add(row)
    session.flush()
    session.rollback()
    return row.id


def test_a_database_handed_back_is_given_again_as_a_fresh_migration_leaves_it(databases, backend):
    fresh_url = databases.new(backend, "notes_fresh")
    upgrade("notes", fresh_url)
    fresh = new_session(fresh_url)
    expected, expected_id = _contents(fresh), _next_id(fresh)
    fresh.close()
    fresh.get_bind().dispose()
    assert expected["alembic_version"] and expected_id == 1

    with migrated_session(databases, backend, "notes") as used:
        first_url = str(used.get_bind().url)
        assert _contents(used) == expected and _next_id(used) == expected_id
        used.add_all([Matiere(etablissement_uai="0591234X", code=f"M{i}", libelle="Matière") for i in range(3)])
        used.commit()
    created = len(databases.pg_created)
    with migrated_session(databases, backend, "notes") as again:
        assert len(databases.pg_created) == created  # none made anew: on PostgreSQL, the one handed back
        # Under another name (what a process keeps per database URL must not
        # outlive its test), the one handed back, emptied, on PostgreSQL.
        assert str(again.get_bind().url) != first_url
        assert _contents(again) == expected and _next_id(again) == expected_id


def test_a_postgresql_database_whose_tables_changed_is_not_given_again(databases):
    with migrated_session(databases, "postgresql", "notes") as used:
        changed_url = str(used.get_bind().url)
        used.execute(text("CREATE TABLE stray (id integer)"))
        used.commit()
    with migrated_session(databases, "postgresql", "notes") as other:
        assert str(other.get_bind().url) != changed_url
        assert "stray" not in _contents(other)


@pytest.mark.parametrize("service", ["accounts", "notes"])
def test_a_copy_has_the_migrated_schema_of_its_service(databases, backend, service):
    with migrated_session(databases, backend, service) as session:
        from alembic.script import ScriptDirectory

        from common.db import alembic_config

        head = ScriptDirectory.from_config(alembic_config(service, "sqlite://")).get_current_head()
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
