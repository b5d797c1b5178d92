"""Run a service's migrations: `python -m common.migrate accounts [notes ...]`.

A deploy step, never done at service start: with several replicas, migrations
at start race each other.
"""
import sys

from common.config import database_url
from common.db import upgrade


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m common.migrate SERVICE [SERVICE ...]", file=sys.stderr)
        return 2
    for service in argv:
        upgrade(service, database_url(service))
        print(f"{service}: migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
