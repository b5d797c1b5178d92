"""Settings for command-line tools (imports, demo, migrations, the mail
catcher): read from the environment through common/settings.py, the one place
that reads it. A service process or the gateway reads its settings once into
one object (common.settings.ServiceSettings, gateway.settings.Settings) and
does not call these."""
from pathlib import Path

from common.settings import ROOT, ProcessSettings  # noqa: F401  (ROOT: the checkout, for everyone)


def var_dir() -> Path:
    return ProcessSettings.from_env().ensure_var_dir()


def amqp_uri() -> str:
    return ProcessSettings.from_env().amqp_uri


def database_url(service: str) -> str:
    """Each service has its own database: `<SERVICE>_DATABASE_URL`, else a SQLite file."""
    return ProcessSettings.from_env().service_database_url(service)


def clock_file() -> str | None:
    return ProcessSettings.from_env().clock_file


def mail_catcher_dir() -> Path:
    """Where the development mail catcher keeps what it receives."""
    return ProcessSettings.from_env().mail_catcher_dir
