"""What every way of running the portal (image, compose, Kubernetes) must agree
on with the code beside it (docs/operations.md, "Health, metrics, logs"):
the gateway under gunicorn with gateway.gunicorn_conf, families' pages on the
public port, /readyz and /metrics on SCOLARITE_INTERNAL_PORT."""
import ast
import os
import subprocess
import sys

from common.config import ROOT

# Every process of a deployment (common/config.py reads them).
PLATFORM_ENV = {"SCOLARITE_QUEUE_TYPE": "quorum", "SCOLARITE_LOG_FORMAT": "json"}


def binds(command: list[str]) -> list[int]:
    """The ports a gunicorn command line binds."""
    return [int(command[i + 1].rsplit(":", 1)[1]) for i, arg in enumerate(command) if arg == "--bind"]


def gunicorn_settings(command: list[str], tmp_path) -> dict:
    """The settings gunicorn runs the gateway with from this command line and
    its settings file (`--print-config`: nothing bound, no worker started)."""
    # The logger class imports the app, which wants a secret key or development mode.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), "SCOLARITE_DEV": "1"}
    out = subprocess.run([sys.executable, "-m", "gunicorn", *command[1:], "--print-config"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in out.splitlines())}


def check_gateway(command: list[str], internal_port: str, public_port: int) -> None:
    """The gateway's command: gunicorn with its settings file (multiprocess
    metrics), bound to the public port and to the internal one, never --preload."""
    assert command[:2] == ["gunicorn", "gateway.wsgi:app"], command
    config = command[command.index("--config") + 1]
    assert config == "python:gateway.gunicorn_conf", config
    # The module the option names, read without importing it: importing it
    # points this process's metrics at a multiprocess directory.
    tree = ast.parse((ROOT / "gateway" / "gunicorn_conf.py").read_text(encoding="utf-8"))
    assert "child_exit" in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "--preload" not in command
    assert sorted(binds(command)) == sorted([public_port, int(internal_port)]), command
    assert int(internal_port) != public_port
