"""Fixtures shared by every test: isolation per run (a RabbitMQ virtual host and
PostgreSQL databases of its own, removed at the end), both database backends,
and the platform started exactly as `make run` starts it."""
pytest_plugins = ["tests.fixtures"]
