"""Fixtures shared by every test: isolation per run (a RabbitMQ virtual host and
PostgreSQL databases of its own, removed at the end), both database backends,
and the platform started exactly as `make run` starts it; the accessibility
statement kept true by the browser tests' results (tests/accessibility.py)."""
import os

# Before anything imports the accounts service's hasher, in this process and
# every service process a test starts: a light Argon2id
# (services/accounts/passwords.py says why and what `make run` keeps).
os.environ["SCOLARITE_TEST_LIGHT_HASH"] = "1"

pytest_plugins = ["tests.fixtures", "tests.accessibility", "pytester"]
