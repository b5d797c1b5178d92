"""Each process reads its settings once, into one object, checked at start
(common/settings.py, gateway/settings.py; docs/configuration.md)."""
import os
import re
import subprocess
import sys

import pytest

from common.settings import ROOT, ServiceSettings, SettingsError, SettingTimer, defaults
from services.accounts.service import AccountsService
from services.inscription.service import InscriptionService
from services.mailer.service import MailerService

# The modules that read the environment. Everything else gets its settings
# from the object its process built at start.
SETTINGS_MODULES = {
    "common/settings.py": "every process's settings",
    # gunicorn's settings file sets prometheus-client's own variable for the
    # workers (which read it into gateway.settings.Settings).
    "gateway/gunicorn_conf.py": "the gunicorn side of the gateway's settings",
    # A service process's entry point sets eventlet's own variable (no greendns,
    # docs/performance.md) before eventlet is imported, so before any settings.
    "common/runner.py": "eventlet's resolver, chosen before eventlet is imported",
}
# Command-line tools, launchers and harnesses that start processes with an
# environment of their own, and tests.
NOT_PROCESSES = ("tools/", "tests/", "bench/", "deploy/")
READS_ENVIRONMENT = re.compile(r"\bos\.(environb?|getenv)\b|\bfrom\s+os\s+import\b[^\n]*\b(environ|getenv)\b")


def python_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "node_modules/", "build/", "var/")) or "/tests/" in relative:
            continue
        yield relative, path


def test_no_module_reads_the_environment_outside_the_settings_modules():
    readers = sorted(relative for relative, path in python_files()
                     if not relative.startswith(NOT_PROCESSES) and relative not in SETTINGS_MODULES
                     and READS_ENVIRONMENT.search(path.read_text(encoding="utf-8")))
    assert readers == []
    # The check sees what it looks for.
    assert READS_ENVIRONMENT.search("x = os.environ.get('A')") and READS_ENVIRONMENT.search("os.getenv('A')")
    assert READS_ENVIRONMENT.search("from os import path, environ")


def test_a_service_reads_its_own_settings_with_the_common_ones():
    settings = ServiceSettings.from_env("inscription", InscriptionService.settings_class, environ={
        "SCOLARITE_ACADEMIE": "AMIENS", "SCOLARITE_MAX_WORKERS": "3", "SCOLARITE_HEARTBEAT_SECONDS": "0.5",
        "INSCRIPTION_DATABASE_URL": "postgresql://db/inscription", "SCOLARITE_HEALTH_PORT": "off",
        "SCOLARITE_DEV": "1"})

    assert settings.own.academie == "AMIENS"
    assert (settings.max_workers, settings.heartbeat_seconds, settings.health_port) == (3, 0.5, None)
    assert settings.log_format == "text"
    config = settings.nameko_config()
    assert config["DATABASE_URL"] == "postgresql://db/inscription" and config["max_workers"] == 3
    assert config["SETTINGS"] is settings
    with pytest.raises(AttributeError):
        settings.max_workers = 4


def test_every_wrong_value_is_named_at_once():
    with pytest.raises(SettingsError) as refused:
        ServiceSettings.from_env("mailer", MailerService.settings_class, environ={
            "SCOLARITE_MAX_WORKERS": "dix", "SCOLARITE_SMTP_SECURITY": "ssl", "SCOLARITE_RPC_TIMEOUT": "-1",
            "SCOLARITE_MAILER_POLL_SECONDS": "vite"})
    message = str(refused.value)
    for expected in ("SCOLARITE_MAX_WORKERS='dix': a whole number is expected",
                     "SCOLARITE_SMTP_SECURITY='ssl': none or starttls or tls",
                     "SCOLARITE_RPC_TIMEOUT='-1': at least 0.1",
                     "SCOLARITE_MAILER_POLL_SECONDS='vite': a number (seconds) is expected"):
        assert expected in message


def test_a_service_with_a_wrong_setting_stops_at_start_saying_which(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOLARITE_")}
    started = subprocess.run([sys.executable, "-m", "common.runner", "notes"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, env={**env, "PYTHONPATH": str(ROOT), "SCOLARITE_VAR_DIR": str(tmp_path),
                                                         "SCOLARITE_HEARTBEAT_SECONDS": "souvent"})
    assert started.returncode != 0
    assert "notes: invalid settings" in started.stderr
    assert "SCOLARITE_HEARTBEAT_SECONDS='souvent'" in started.stderr
    assert "Traceback" not in started.stderr


@pytest.mark.parametrize("service, setting, variable, value", [
    (MailerService, "own.poll_seconds", "SCOLARITE_MAILER_POLL_SECONDS", "0.75"),
    (AccountsService, "own.jobs_check_seconds", "SCOLARITE_JOBS_CHECK_SECONDS", "42"),
    (AccountsService, "heartbeat_seconds", "SCOLARITE_HEARTBEAT_SECONDS", "2.5"),
])
def test_timers_take_their_interval_from_the_process_settings(service, setting, variable, value):
    from nameko.containers import ServiceContainer

    settings = ServiceSettings.from_env(service.name, service.settings_class, environ={variable: value})
    container = ServiceContainer(service, settings.nameko_config())
    timers = {t.setting: t for t in container.entrypoints if isinstance(t, SettingTimer)}
    timers[setting].setup()
    assert timers[setting].interval == float(value)


def test_worker_tests_get_every_default():
    settings = defaults(AccountsService)
    assert settings.own.public_url == "http://127.0.0.1:8000" and settings.own.jobs_check_seconds == 600
