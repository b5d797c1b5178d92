"""Settings: every process reads the environment once, at start, into one
frozen object (docs/configuration.md), and hands it to what uses it.

- `ProcessSettings`: what every process reads (broker, clock, logs, RPC).
- `ServiceSettings`: a service process's (`common.runner` builds it from the
  service class): its database, workers, heartbeat, health port, and the
  service's own settings (`settings_class` on the service class, a frozen
  dataclass in `services/<name>/settings.py` read through `Env`). It travels
  in the Nameko config under `SETTINGS`; `SettingsProvider` gives it to a
  worker and `setting_timer` reads a timer's interval from it.
- The gateway's are `gateway.settings.Settings`, built on `ProcessSettings`.

An invalid value stops the process at start with every problem at once
(`SettingsError`). This module and gateway/settings.py are the only ones that
read `os.environ` (tests/test_settings.py checks); command-line tools read
the same objects (`ProcessSettings.from_env()`).
"""
import os
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Mapping

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "SETTINGS"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(SystemExit):
    """Settings that stop a process at start, with the reasons."""


class Env:
    """Typed reads of environment variables; every problem is collected, so
    that `check` reports them all at once."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        return value if value else default

    def _refuse(self, name: str, value: str, expected: str):
        self.problems.append(f"{name}={value!r}: {expected}")

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        value = self.environ.get(name)
        if not value:
            return default
        try:
            number = int(value)
        except ValueError:
            self._refuse(name, value, "a whole number is expected")
            return default
        if minimum is not None and number < minimum:
            self._refuse(name, value, f"at least {minimum}")
            return default
        return number

    def number(self, name: str, default: float, minimum: float = 0.0) -> float:
        value = self.environ.get(name)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            self._refuse(name, value, "a number (seconds) is expected")
            return default
        if not number >= minimum:  # also refuses nan
            self._refuse(name, value, f"at least {minimum:g}")
            return default
        return number

    def choice(self, name: str, default: str, choices: tuple[str, ...], upper: bool = False) -> str:
        value = self.environ.get(name)
        if not value:
            return default
        value = value.upper() if upper else value.lower()
        if value not in choices:
            self._refuse(name, value, " or ".join(choices))
            return default
        return value

    def flag(self, name: str) -> bool:
        """`1` (on) or `0` (off, the default)."""
        return self.choice(name, "0", ("0", "1")) == "1"

    def check(self, what: str) -> None:
        if self.problems:
            raise SettingsError(f"{what}: invalid settings (docs/configuration.md):\n  "
                                + "\n  ".join(self.problems))


def _view_cache(env: Env) -> dict | None:
    url = env.text("SCOLARITE_VIEW_CACHE")
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        env.problems.append(f"SCOLARITE_VIEW_CACHE={url!r}: a redis:// or rediss:// URL is expected")
    return {"url": url, "prefix": env.text("SCOLARITE_VIEW_CACHE_PREFIX", "scolarite"),
            "ttl": env.number("SCOLARITE_VIEW_CACHE_TTL", 30.0)}


@dataclass(frozen=True)
class ProcessSettings:
    """What every process reads (docs/configuration.md, "Every process")."""

    dev_mode: bool
    var_dir: Path
    amqp_uri: str
    deploy_file: Path
    # A file holding the time offset every process applies (common/clock.py); None: the system clock.
    clock_file: str | None
    log_level: str
    log_format: str
    queue_type: str
    rpc_timeout: float
    rpc_heartbeat: int
    rpc_max_bytes: int
    # The shared cache of session views (accounts bumps, the gateway reads), or None.
    view_cache: dict | None
    # Where the development mail catcher keeps what it receives (`make run`, tests).
    mail_catcher_dir: Path

    @staticmethod
    def read(env: Env) -> dict:
        dev_mode = env.flag("SCOLARITE_DEV")
        var_dir = Path(env.text("SCOLARITE_VAR_DIR", str(ROOT / "var")))
        return dict(
            dev_mode=dev_mode,
            var_dir=var_dir,
            amqp_uri=env.text("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            deploy_file=Path(env.text("SCOLARITE_DEPLOY_FILE", str(ROOT / "deploy" / "services.yml"))),
            clock_file=env.text("SCOLARITE_CLOCK_FILE"),
            log_level=env.choice("SCOLARITE_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            log_format=env.choice("SCOLARITE_LOG_FORMAT", "text" if dev_mode else "json", ("json", "text")),
            queue_type=env.choice("SCOLARITE_QUEUE_TYPE", "classic", ("classic", "quorum")),
            rpc_timeout=env.number("SCOLARITE_RPC_TIMEOUT", 5.0, minimum=0.1),
            rpc_heartbeat=env.integer("SCOLARITE_RPC_HEARTBEAT", 30, minimum=0),
            rpc_max_bytes=env.integer("SCOLARITE_RPC_MAX_BYTES", 16 * 1024 * 1024, minimum=1024),
            view_cache=_view_cache(env),
            mail_catcher_dir=Path(env.text("SCOLARITE_MAIL_CATCHER_DIR", str(var_dir / "mail"))),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "ProcessSettings":
        env = Env(environ)
        values = cls.read(env)
        env.check("settings")
        return cls(**values)

    def ensure_var_dir(self) -> Path:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return self.var_dir

    def service_database_url(self, service: str, env: Env | None = None) -> str:
        """Each service has its own database: `<SERVICE>_DATABASE_URL`, else a
        SQLite file (`python -m common.migrate`, tools)."""
        url = (env or Env()).text(f"{service.upper()}_DATABASE_URL")
        return url or f"sqlite:///{self.ensure_var_dir() / (service + '.db')}"


@dataclass(frozen=True)
class ServiceSettings(ProcessSettings):
    """A service process's settings (docs/configuration.md, "Services")."""

    service: str
    database_url: str
    max_workers: int
    # How often the instance tells the gateways it is alive (common/contract.py).
    heartbeat_seconds: float
    # The port of /healthz, /readyz and /metrics (common/health.py); None: off.
    health_port: int | None
    # How often kept mail requests not yet handed to the mailer are (common/mail_outbox.py).
    mail_relay_seconds: float
    # The service's own settings (its class's `settings_class`), or None.
    own: object = None

    @classmethod
    def from_env(cls, service: str, own_class=None,
                 environ: Mapping[str, str] | None = None) -> "ServiceSettings":
        env = Env(environ)
        values = ProcessSettings.read(env)
        process = ProcessSettings(**values)
        health = env.text("SCOLARITE_HEALTH_PORT", "9100")
        own = own_class.from_env(env) if own_class is not None else None
        settings = cls(
            **values,
            service=service,
            database_url=process.service_database_url(service, env),
            max_workers=env.integer("SCOLARITE_MAX_WORKERS", 10, minimum=1),
            heartbeat_seconds=env.number("SCOLARITE_HEARTBEAT_SECONDS", 5.0, minimum=0.1),
            health_port=None if health.lower() == "off" else env.integer("SCOLARITE_HEALTH_PORT", 9100, minimum=0),
            mail_relay_seconds=env.number("SCOLARITE_MAIL_RELAY_SECONDS", 30.0, minimum=0.1),
            own=own,
        )
        env.check(service)
        return settings

    def nameko_config(self) -> dict:
        return {
            SETTINGS: self,
            "AMQP_URI": self.amqp_uri,
            "max_workers": self.max_workers,
            "SERVICE_NAME": self.service,
            "DATABASE_URL": self.database_url,
            # Heartbeats let a service notice a dead broker connection and reconnect.
            "HEARTBEAT": 30,
            "QUEUE_TYPE": self.queue_type,
        }


def service_settings(container) -> ServiceSettings:
    """The settings of the process a Nameko extension runs in."""
    return container.config[SETTINGS]


class SettingsProvider(DependencyProvider):
    """Gives each worker the process's settings: `self.settings.own.academie`."""

    def get_dependency(self, worker_ctx):
        return service_settings(self.container)


class SettingTimer(Timer):
    """A timer whose interval is one of the process's settings, read when the
    service starts: `@setting_timer("own.poll_seconds")`."""

    def __init__(self, setting: str, eager: bool = False, **kwargs):
        self.setting = setting
        super().__init__(interval=None, eager=eager, **kwargs)

    def setup(self):
        self.interval = attrgetter(self.setting)(service_settings(self.container))
        super().setup()


setting_timer = SettingTimer.decorator


def defaults(service_class) -> ServiceSettings:
    """A service's settings with every default (worker_factory tests: pass
    `settings=defaults(TheService)`)."""
    return ServiceSettings.from_env(service_class.name, getattr(service_class, "settings_class", None), environ={})
