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


def nameko_config(service: str) -> dict:
    return {
        "AMQP_URI": amqp_uri(),
        "max_workers": max_workers(),
        "SERVICE_NAME": service,
        "DATABASE_URL": database_url(service),
        # Heartbeats let a service notice a dead broker connection and reconnect.
        "HEARTBEAT": 30,
    }
