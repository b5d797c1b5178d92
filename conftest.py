"""Fixtures shared by every test: isolation per run (a RabbitMQ virtual host and
PostgreSQL databases of its own, removed at the end), both database backends,
and the platform started exactly as `make run` starts it; the accessibility
statement kept true by the browser tests' results (tests/accessibility.py)."""
pytest_plugins = ["tests.fixtures", "tests.accessibility", "pytester"]
