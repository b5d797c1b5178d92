"""Configuration from the environment, one place for every process.

Every setting has a development default so that `make run` works on a fresh
machine; production sets them in `deploy/` (see docs/configuration.md).
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    path = Path(os.environ.get("SCOLARITE_VAR_DIR", ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def database_url(service: str) -> str:
    """Each service has its own database: `<SERVICE>_DATABASE_URL`, else a SQLite file."""
    key = f"{service.upper()}_DATABASE_URL"
    return os.environ.get(key) or f"sqlite:///{var_dir() / (service + '.db')}"


def max_workers() -> int:
    return int(os.environ.get("SCOLARITE_MAX_WORKERS", "10"))


def rpc_timeout() -> float:
    """Seconds a caller waits for a query before showing the service as unavailable."""
    return float(os.environ.get("SCOLARITE_RPC_TIMEOUT", "5"))


def queue_type() -> str:
    """`classic` (default) or `quorum`: the type of every durable queue the
    services declare (common/messaging.py). A cluster of RabbitMQ nodes wants
    `quorum`: its queues and their messages live on a majority of the nodes."""
    value = os.environ.get("SCOLARITE_QUEUE_TYPE", "classic").lower()
    if value not in ("classic", "quorum"):
        raise SystemExit(f"SCOLARITE_QUEUE_TYPE={value!r}: classic or quorum")
    return value


def health_port() -> int | None:
    """A service process's port for /healthz, /readyz and /metrics (common/health.py); `off`: none."""
    value = os.environ.get("SCOLARITE_HEALTH_PORT", "9100")
    return None if value.lower() == "off" else int(value)


def log_format() -> str:
    """`json` (one object per line, for a log collector) or `text` (for a
    person at a terminal): json unless SCOLARITE_DEV=1."""
    default = "text" if os.environ.get("SCOLARITE_DEV", "0") == "1" else "json"
    value = os.environ.get("SCOLARITE_LOG_FORMAT", default).lower()
    if value not in ("json", "text"):
        raise SystemExit(f"SCOLARITE_LOG_FORMAT={value!r}: json or text")
    return value


def nameko_config(service: str) -> dict:
    return {
        "AMQP_URI": amqp_uri(),
        "max_workers": max_workers(),
        "SERVICE_NAME": service,
        "DATABASE_URL": database_url(service),
        # Heartbeats let a service notice a dead broker connection and reconnect.
        "HEARTBEAT": 30,
        "QUEUE_TYPE": queue_type(),
    }


def smtp_settings() -> dict:
    """The SMTP server the mailer sends through (docs/mailer.md). The defaults
    point at the local mail catcher that `make run` starts."""
    security = os.environ.get("SCOLARITE_SMTP_SECURITY", "none").lower()
    if security not in ("none", "starttls", "tls"):
        raise SystemExit(f"SCOLARITE_SMTP_SECURITY={security!r}: none, starttls or tls")
    return {
        "host": os.environ.get("SCOLARITE_SMTP_HOST", "127.0.0.1"),
        "port": int(os.environ.get("SCOLARITE_SMTP_PORT", "1025")),
        "security": security,
        "user": os.environ.get("SCOLARITE_SMTP_USER") or None,
        "password": os.environ.get("SCOLARITE_SMTP_PASSWORD") or None,
        # A CA bundle for a server whose certificate is not in the system's store.
        "cafile": os.environ.get("SCOLARITE_SMTP_CAFILE") or None,
        "timeout": float(os.environ.get("SCOLARITE_SMTP_TIMEOUT", "20")),
        # Connections each mailer instance keeps open in parallel.
        "connections": int(os.environ.get("SCOLARITE_SMTP_CONNECTIONS", "4")),
        "from_address": os.environ.get("SCOLARITE_MAIL_FROM", "ne-pas-repondre@scolarite.localhost"),
        "from_name": os.environ.get("SCOLARITE_MAIL_FROM_NAME", "Scolarité services"),
        "reply_to": os.environ.get("SCOLARITE_MAIL_REPLY_TO") or None,
    }


def mail_catcher_dir() -> Path:
    """Where the development mail catcher keeps what it receives."""
    return Path(os.environ.get("SCOLARITE_MAIL_CATCHER_DIR", var_dir() / "mail"))


def view_cache() -> dict | None:
    """The shared cache of the pages' session views (docs/performance.md,
    docs/security.md): a Redis URL the gateway reads and the accounts service
    bumps generations in, its key prefix and the TTL bound in seconds. None
    when `SCOLARITE_VIEW_CACHE` is not set: every page then asks accounts."""
    url = os.environ.get("SCOLARITE_VIEW_CACHE")
    if not url:
        return None
    return {"url": url, "prefix": os.environ.get("SCOLARITE_VIEW_CACHE_PREFIX", "scolarite"),
            "ttl": float(os.environ.get("SCOLARITE_VIEW_CACHE_TTL", "30"))}
