"""Write a new migration from a service's models: `python -m common.makemigration SERVICE "message"`.

Autogenerates against a scratch SQLite database brought to head first.
"""
import sys
import tempfile

from alembic import command

from common.db import alembic_config


def main(argv: list[str]) -> int:
    service, message = argv
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(service, f"sqlite:///{tmp}/scratch.db")
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
