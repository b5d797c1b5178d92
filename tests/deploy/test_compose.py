"""The container image (Dockerfile) and the compose file (deploy/compose/): every
service of the catalogue runs from the one image, chosen by its command, after
the migrations, each on its own database, with no secret written down."""
import ast
import re

import yaml

from common.academie import GATEWAY_THREADS, GATEWAY_WORKERS
from common.config import ROOT
from common.deployment import deployed_services
from tests.deploy.wiring import PLATFORM_ENV, check_gateway, gunicorn_settings

COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
CATALOGUE = list(deployed_services(ROOT / "deploy" / "services.yml"))


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_every_service_runs_from_the_image_after_the_migrations():
    services = compose()["services"]
    migrating = [s for s in CATALOGUE if (ROOT / "services" / s / "migrations").is_dir()]
    assert services["migrate"]["command"] == ["python", "-m", "common.migrate", *migrating]
    for name in CATALOGUE:
        svc = services[name]
        assert svc["command"] == ["python", "-m", "common.runner", name]
        assert svc["image"] == services["gateway"]["image"] == services["migrate"]["image"]
        assert svc["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["gateway"]["command"][:2] == ["gunicorn", "gateway.wsgi:app"]


def test_one_database_per_service_and_no_secret_written_down():
    services = compose()["services"]
    env = services["accounts"]["environment"]
    urls = {name: env[f"{name.upper()}_DATABASE_URL"] for name in CATALOGUE}
    databases = {url.rsplit("/", 1)[1] for url in urls.values()}
    assert len(databases) == len(CATALOGUE)
    created = set(re.findall(r"CREATE DATABASE (\w+);", (COMPOSE.parent / "create-databases.sql").read_text()))
    assert created == databases
    text = COMPOSE.read_text(encoding="utf-8")
    for variable in ("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "SCOLARITE_SECRET_KEY"):
        # required from .env or the shell: compose stops with this message when unset
        assert f"${{{variable}:?set {variable} in deploy/compose/.env}}" in text
    for value in re.findall(r"(?:PASSWORD|PASS|SECRET_KEY): (.+)", text):
        assert value.startswith("${"), value
    assert "deploy/compose/.env" in (ROOT / ".gitignore").read_text()


def test_the_image_holds_every_package_the_processes_import():
    """A module the running code imports but the Dockerfile does not copy fails
    only in production: every top-level package imported by the copied code is
    copied too (or installed from requirements.txt)."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    local = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"common", "contract", "services", "gateway", "deploy"} <= copied
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    for package in copied:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts:
                continue  # .dockerignore leaves tests out
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                for name in names:
                    top = name.split(".")[0]
                    if top in local:
                        assert top in copied, f"{path.relative_to(ROOT)} imports {top}, absent from the image"
    assert "**/tests" in ignored and ".venv" in ignored and ".git" in ignored


def test_the_image_file_set_starts_every_process(tmp_path):
    """What the Dockerfile copies (less what .dockerignore leaves out) is enough to
    import every service and build the gateway, run from an empty environment."""
    import shutil
    import subprocess
    import sys

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    app = tmp_path / "app"
    for package in re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M):
        shutil.copytree(ROOT / package, app / package,
                        ignore=shutil.ignore_patterns("tests", "__pycache__", "k8s"))
    imports = "; ".join(f"importlib.import_module('services.{name}.service')" for name in CATALOGUE)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(app), "SCOLARITE_VAR_DIR": str(tmp_path / "var"),
           "SCOLARITE_SECRET_KEY": "test-only", "SCOLARITE_DSFR_DIST": str(ROOT / "node_modules/@gouvfr/dsfr/dist")}
    done = subprocess.run([sys.executable, "-W", "ignore", "-c",
                           f"import importlib; {imports}; import gateway.wsgi; print(gateway.wsgi.app.name)"],
                          cwd=app, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "gateway.app"


def test_every_process_declares_quorum_queues_logs_json_and_shares_the_view_cache():
    services = compose()["services"]
    for name in [*CATALOGUE, "migrate", "gateway"]:
        env = services[name]["environment"]
        for key, value in PLATFORM_ENV.items():
            assert env.get(key) == value, (name, key)
    # accounts bumps the generations the gateway reads: the same Redis, the one compose runs.
    caches = {services[name]["environment"].get("SCOLARITE_VIEW_CACHE") for name in ("accounts", "gateway")}
    assert caches == {"redis://redis:6379"}
    assert "redis" in services
    assert services["accounts"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_gateway_publishes_only_its_pages_and_is_ready_on_the_internal_port():
    gateway = compose()["services"]["gateway"]
    internal = gateway["environment"]["SCOLARITE_INTERNAL_PORT"]
    check_gateway(gateway["command"], internal, 8000)
    assert gateway["ports"] == ["127.0.0.1:8000:8000"]  # /readyz and /metrics stay inside
    assert f"http://127.0.0.1:{internal}/readyz" in " ".join(gateway["healthcheck"]["test"])


def image_command() -> list[str]:
    import json

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    return json.loads(re.search(r"^CMD (\[.*?\])$", dockerfile.replace("\\\n", ""), re.M | re.S).group(1))


def test_the_image_and_compose_run_the_gateway_s_threads_enough_for_a_login_wave(tmp_path):
    """gthread workers, each with threads enough that logins waiting on their
    hash leave some to the pages (common/academie.py): from the settings
    file, which both command lines leave to it."""
    for command in (image_command(), compose()["services"]["gateway"]["command"]):
        settings = gunicorn_settings(command, tmp_path)
        assert (settings["worker_class"], settings["workers"], settings["threads"]) == (
            "gthread", str(GATEWAY_WORKERS), str(GATEWAY_THREADS)), command


def test_the_image_starts_the_gateway_as_compose_and_kubernetes_do():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = image_command()
    internal = re.search(r"SCOLARITE_INTERNAL_PORT=(\d+)", dockerfile).group(1)
    check_gateway(cmd, internal, 8000)
    assert re.search(rf"^EXPOSE 8000 {internal}$", dockerfile, re.M)
    assert "SCOLARITE_LOG_FORMAT=json" in dockerfile
