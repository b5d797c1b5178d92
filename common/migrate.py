"""Run a service's migrations: `python -m common.migrate accounts [notes ...]`.

A deploy step, never done at service start: with several replicas, migrations
at start race each other.

`python -m common.migrate --check notes` migrates nothing: it exits 0 when the
service's database is at the revision this code expects (or at a newer one,
after a rollback: migrations keep the previous release working), and 1 when it
is behind, so that a new version never starts on a database its migration Job
has not upgraded yet (the init container of every Kubernetes Deployment,
docs/operations.md).
"""
import sys

from common.config import database_url
from common.db import alembic_config, make_engine, upgrade


def check(service: str, url: str) -> tuple[bool, str]:
    """(whether the service may start on this database, why)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(service, url))
    heads = set(script.get_heads())
    known = {rev.revision for rev in script.walk_revisions()}
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    if current == heads:
        return True, f"{service}: database at {', '.join(sorted(heads))}"
    if current and not current <= known:
        return True, (f"{service}: database at {', '.join(sorted(current))}, newer than this version "
                      f"({', '.join(sorted(heads))}): a rollback")
    found = ", ".join(sorted(current)) or "empty"
    return False, (f"{service}: database at {found}, this version needs {', '.join(sorted(heads))}: "
                   f"run the migrations first (python -m common.migrate {service})")


def main(argv: list[str]) -> int:
    checking = bool(argv) and argv[0] == "--check"
    services = argv[1:] if checking else argv
    if not services:
        print("usage: python -m common.migrate [--check] SERVICE [SERVICE ...]", file=sys.stderr)
        return 2
    failed = False
    for service in services:
        if checking:
            ok, why = check(service, database_url(service))
            print(why, file=sys.stdout if ok else sys.stderr)
            failed = failed or not ok
        else:
            upgrade(service, database_url(service))
            print(f"{service}: migrated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
