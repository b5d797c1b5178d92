"""The gateway reads its settings once; in production it refuses to start
without the secret key every instance must share."""
import os
import subprocess
import sys

import pytest

from common.config import ROOT
from gateway.app import create_app


def start_gateway(tmp_path, **env):
    """`gunicorn gateway.wsgi:app` imports the app as this does."""
    base = {k: v for k, v in os.environ.items() if k not in ("SCOLARITE_SECRET_KEY", "SCOLARITE_DEV")}
    return subprocess.run([sys.executable, "-c", "import gateway.wsgi"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**base, "PYTHONPATH": str(ROOT), "SCOLARITE_VAR_DIR": str(tmp_path), **env})


def test_in_production_a_missing_secret_key_stops_the_gateway_with_a_clear_message(tmp_path):
    started = start_gateway(tmp_path)

    assert started.returncode != 0
    assert "SCOLARITE_SECRET_KEY is not set" in started.stderr
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "secret_key").exists()


def test_in_production_the_given_secret_key_signs_the_sessions(monkeypatch, tmp_path):
    monkeypatch.delenv("SCOLARITE_DEV", raising=False)
    monkeypatch.setenv("SCOLARITE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SCOLARITE_SECRET_KEY", "la-meme-cle-partout")

    assert create_app().config["SECRET_KEY"] == "la-meme-cle-partout"
    assert create_app().config["SETTINGS"].dev_mode is False


def test_in_development_each_checkout_keeps_its_own_key_across_restarts(monkeypatch, tmp_path):
    monkeypatch.delenv("SCOLARITE_SECRET_KEY", raising=False)
    monkeypatch.setenv("SCOLARITE_DEV", "1")
    monkeypatch.setenv("SCOLARITE_VAR_DIR", str(tmp_path))

    first, second = create_app().config["SECRET_KEY"], create_app().config["SECRET_KEY"]
    assert first == second == (tmp_path / "secret_key").read_text().strip()
    assert len(first) >= 32


@pytest.mark.parametrize("dev, registered", [("1", True), ("0", False)])
def test_the_caught_mail_pages_are_loaded_only_in_development(monkeypatch, tmp_path, dev, registered):
    monkeypatch.setenv("SCOLARITE_DEV", dev)
    monkeypatch.setenv("SCOLARITE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SCOLARITE_SECRET_KEY", "cle-de-test")

    assert ("devmail" in create_app().blueprints) is registered
